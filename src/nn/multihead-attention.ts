/**
 * Mirrors torch.nn.MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
 * add_zero_attn=False, kdim=None, vdim=None, batch_first=False) and its forward
 * (F.multi_head_attention_forward): parameters `in_proj_weight` [3E, E] (or `q_proj_weight`, `k_proj_weight`,
 * `v_proj_weight` when kdim/vdim differ from E), `in_proj_bias` [3E], and `out_proj` (a Linear named
 * NonDynamicallyQuantizableLinear, as in torch). Init as torch: xavier_uniform_ in-projection, zero biases.
 * Masks follow torch's MultiheadAttention convention: a bool mask marks the positions that are NOT attended
 * (true = masked out); a float mask is added to the scores.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { Linear } from './linear.js';
import { xavier_uniform_, zeros_ } from './init.js';
import { linear } from './functional/layers.js';
import { attentionCore } from './functional/attention.js';

/** torch's out_proj class (a Linear that torch's dynamic quantization leaves alone): prints and exports as Linear. */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** Options of {@link MultiheadAttention} (torch's keyword arguments, camelCase). */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training (default 0). */
  dropout?: number;
  /** Biases of the in- and out-projections (default true). */
  bias?: boolean;
  /** torch's add_bias_kv: not supported (only false). */
  addBiasKv?: boolean;
  /** torch's add_zero_attn: not supported (only false). */
  addZeroAttn?: boolean;
  /** Features of the key (default embed_dim). */
  kdim?: number | null;
  /** Features of the value (default embed_dim). */
  vdim?: number | null;
  /** Inputs and output are [batch, seq, feature] (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
}

/** Options of {@link MultiheadAttention.forward} (torch's keyword arguments, camelCase). */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): bool true = that key is padding (ignored), or float added to the scores. */
  keyPaddingMask?: tf.Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·num_heads, L, S]: bool true = not allowed to attend, or float added to the scores. */
  attnMask?: tf.Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
  /** Hint that attnMask is the causal mask (torch requires attnMask with it). */
  isCausal?: boolean;
}

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/** A bool mask (true = masked out) as an additive float mask; float masks pass through. */
export function additiveMask(mask: tf.Tensor, what: string): tf.Tensor {
  if (mask.dtype === 'bool') return tf.where(mask, tf.fill(mask.shape, -Infinity), tf.zeros(mask.shape));
  if (mask.dtype !== 'float32') throw new Error(`MultiheadAttention: ${what} must be bool or float32, got ${mask.dtype}`);
  return mask;
}

/** torch.nn.MultiheadAttention. forward returns [output] or [output, attention weights] (needWeights). */
export class MultiheadAttention extends Module<tf.Tensor[]> {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  in_proj_weight: Parameter | null;
  q_proj_weight: Parameter | null;
  k_proj_weight: Parameter | null;
  v_proj_weight: Parameter | null;
  in_proj_bias: Parameter | null;
  out_proj: NonDynamicallyQuantizableLinear;

  /**
   * @param embedDim - model width E
   * @param numHeads - heads (E must divide by it)
   * @param options - dropout, bias, kdim, vdim, batchFirst
   */
  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    if (!Number.isInteger(embedDim) || embedDim < 1 || !Number.isInteger(numHeads) || numHeads < 1) {
      throw new Error(`MultiheadAttention: embed_dim and num_heads must be positive integers, got ${embedDim}, ${numHeads}`);
    }
    if (embedDim % numHeads !== 0) throw new Error(`MultiheadAttention: embed_dim (${embedDim}) must be divisible by num_heads (${numHeads})`);
    if (options.addBiasKv) throw new Error('MultiheadAttention: add_bias_kv=True is not supported');
    if (options.addZeroAttn) throw new Error('MultiheadAttention: add_zero_attn=True is not supported');
    const dropout = options.dropout ?? 0;
    if (!(dropout >= 0 && dropout <= 1)) throw new Error(`MultiheadAttention: dropout must be in [0, 1], got ${dropout}`);
    this.embedDim = embedDim;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    this.batchFirst = options.batchFirst ?? false;
    const bias = options.bias ?? true;
    const sameDims = this.kdim === embedDim && this.vdim === embedDim;
    // torch registers (in order) in_proj_weight or q/k/v_proj_weight, in_proj_bias, then out_proj; out_proj is
    // built (Linear's own init) before the in-projection is reset with xavier_uniform_.
    this.in_proj_weight = sameDims ? new Parameter(tf.zeros([3 * embedDim, embedDim])) : null;
    this.q_proj_weight = sameDims ? null : new Parameter(tf.zeros([embedDim, embedDim]));
    this.k_proj_weight = sameDims ? null : new Parameter(tf.zeros([embedDim, this.kdim]));
    this.v_proj_weight = sameDims ? null : new Parameter(tf.zeros([embedDim, this.vdim]));
    this.in_proj_bias = bias ? new Parameter(tf.zeros([3 * embedDim])) : null;
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias });
    if (this.in_proj_weight) xavier_uniform_(this.in_proj_weight);
    else for (const p of [this.q_proj_weight!, this.k_proj_weight!, this.v_proj_weight!]) xavier_uniform_(p);
    if (this.out_proj.bias) zeros_(this.out_proj.bias);
  }

  /** The q, k, v projections ([N, L|S, E] each), packed into one matmul for self-attention. */
  private project(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
    const e = this.embedDim;
    const b = this.in_proj_bias?.variable ?? null;
    const biasPart = (i: number) => (b ? tf.slice(b, [i * e], [e]) : null);
    if (this.in_proj_weight) {
      const w = this.in_proj_weight.variable;
      if (query === key && key === value) {
        const packed = linear(query, w, b);
        return tf.split(packed, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      }
      const part = (i: number) => tf.slice(w, [i * e, 0], [e, e]);
      return [linear(query, part(0), biasPart(0)), linear(key, part(1), biasPart(1)), linear(value, part(2), biasPart(2))];
    }
    return [
      linear(query, this.q_proj_weight!.variable, biasPart(0)),
      linear(key, this.k_proj_weight!.variable, biasPart(1)),
      linear(value, this.v_proj_weight!.variable, biasPart(2)),
    ];
  }

  /**
   * @param query - [L, N, E] ([N, L, E] with batchFirst; [L, E] unbatched)
   * @param key - [S, N, kdim] (likewise)
   * @param value - [S, N, vdim] (likewise)
   * @param options - keyPaddingMask, needWeights, attnMask, averageAttnWeights, isCausal
   * @returns [output [L, N, E] (batch-first: [N, L, E])] and, with needWeights, the weights [N, L, S]
   *   ([N, num_heads, L, S] when averageAttnWeights is false)
   */
  forward(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, options: MultiheadAttentionForwardOptions = {}): tf.Tensor[] {
    const what = 'MultiheadAttention';
    const batched = query.rank === 3;
    if (!batched && query.rank !== 2) throw new Error(`${what}: query must be 3-D (batched) or 2-D (unbatched), got shape ${shapeText(query)}`);
    if (key.rank !== query.rank || value.rank !== query.rank) throw new Error(`${what}: query ${shapeText(query)}, key ${shapeText(key)} and value ${shapeText(value)} must have the same rank`);
    const needWeights = options.needWeights ?? true;
    const isCausal = options.isCausal ?? false;
    if (isCausal && !options.attnMask) {
      throw new Error(`${what}: isCausal is a hint and needs attnMask (torch's rule); build it with triu or pass the causal mask`);
    }
    // Batch-major [N, L, E] inside.
    const toBatchMajor = (t: tf.Tensor) => (!batched ? tf.expandDims(t, 0) : this.batchFirst ? t : tf.transpose(t, [1, 0, 2]));
    const q0 = toBatchMajor(query);
    const k0 = query === key ? q0 : toBatchMajor(key);
    const v0 = key === value ? k0 : toBatchMajor(value);
    const [n, l, e] = q0.shape as [number, number, number];
    const s = k0.shape[1]!;
    if (e !== this.embedDim) throw new Error(`${what}: expected query with ${this.embedDim} features, got shape ${shapeText(query)}`);
    if (k0.shape[0] !== n || v0.shape[0] !== n || v0.shape[1] !== s) {
      throw new Error(`${what}: key ${shapeText(key)} and value ${shapeText(value)} must share the batch and sequence sizes (query ${shapeText(query)})`);
    }
    if (k0.shape[2] !== this.kdim || v0.shape[2] !== this.vdim) {
      throw new Error(`${what}: expected key with ${this.kdim} and value with ${this.vdim} features, got ${shapeText(key)} and ${shapeText(value)}`);
    }
    const h = this.numHeads;
    const d = this.headDim;
    const [q, k, v] = this.project(q0, k0, v0);
    const heads = (t: tf.Tensor, len: number) => tf.transpose(tf.reshape(t, [n, len, h, d]), [0, 2, 1, 3]);
    // The mask, [N or 1, H or 1, L, S], as torch merges attn_mask and key_padding_mask.
    let mask: tf.Tensor | null = null;
    const kpm = options.keyPaddingMask ?? null;
    const useCausal = isCausal && !kpm && !needWeights;
    if (options.attnMask && !useCausal) {
      const am = options.attnMask;
      if (am.rank === 2) {
        if (am.shape[0] !== l || am.shape[1] !== s) throw new Error(`${what}: the 2-D attn_mask has shape ${shapeText(am)}, but should be [${l}, ${s}]`);
        mask = tf.reshape(additiveMask(am, 'attn_mask'), [1, 1, l, s]);
      } else if (am.rank === 3) {
        if (am.shape[0] !== n * h || am.shape[1] !== l || am.shape[2] !== s) throw new Error(`${what}: the 3-D attn_mask has shape ${shapeText(am)}, but should be [${n * h}, ${l}, ${s}]`);
        mask = tf.reshape(additiveMask(am, 'attn_mask'), [n, h, l, s]);
      } else throw new Error(`${what}: attn_mask must be 2-D or 3-D, got shape ${shapeText(am)}`);
    }
    if (kpm) {
      const expected = batched ? [n, s] : [s];
      if (kpm.rank !== expected.length || kpm.shape.some((x, i) => x !== expected[i])) {
        throw new Error(`${what}: key_padding_mask has shape ${shapeText(kpm)}, but should be [${expected.join(', ')}]`);
      }
      const padding = tf.reshape(additiveMask(kpm, 'key_padding_mask'), [n, 1, 1, s]);
      mask = mask ? tf.add(mask, padding) : padding;
    }
    const dropoutP = this.training ? this.dropout : 0;
    const { output, weights } = attentionCore(heads(q, l), heads(k, s), heads(v, s), { mask, isCausal: useCausal, dropoutP, keepWeights: needWeights });
    const merged = tf.reshape(tf.transpose(output, [0, 2, 1, 3]), [n, l, e]);
    // torch applies F.linear with out_proj's parameters (its forward hooks do not run).
    const projected = linear(merged, this.out_proj.weight.variable, this.out_proj.bias?.variable ?? null);
    const out = !batched ? tf.squeeze(projected, [0]) : this.batchFirst ? projected : tf.transpose(projected, [1, 0, 2]);
    if (!needWeights) return [out];
    let w = weights!;
    if (options.averageAttnWeights ?? true) w = tf.mean(w, 1);
    return [out, batched ? w : tf.squeeze(w, [0])];
  }

  override extraRepr(): string {
    return '';
  }
}
