/**
 * torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
 * is_causal=False, scale=None): softmax(q·kᵀ·scale + mask)·v over the last two dimensions, with PyTorch's mask
 * conventions (a bool mask marks the positions that take part; a float mask is added to the scores).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng.js';
import { bernoulliKeepMask } from '../dropout.js';
import { getDefaultGenerator } from '../generator.js';
import { fusedAttention } from '../../backend/fused-attention.js';

/** Options of {@link scaled_dot_product_attention} (torch's keyword arguments, camelCase). */
export interface ScaledDotProductAttentionOptions {
  /**
   * [..., L, S] broadcastable to the scores: bool (true = takes part, false = masked out) or float (added to
   * the scores, e.g. -Infinity to mask).
   */
  attnMask?: tf.Tensor | null;
  /** Dropout probability on the attention weights (default 0; applied whenever > 0, as torch does). */
  dropoutP?: number;
  /** A causal (lower-triangular, top-left aligned) mask; cannot be combined with attnMask (default false). */
  isCausal?: boolean;
  /** Scale of q·kᵀ (default 1/sqrt(E)). */
  scale?: number | null;
  /** Where the dropout mask comes from (default: the global generator). */
  generator?: Rng;
}

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/** The [L, S] additive causal mask: 0 on and below the diagonal, -Infinity above. */
export function causalAdditiveMask(targetLength: number, sourceLength: number): tf.Tensor2D {
  const data = new Float32Array(targetLength * sourceLength);
  for (let l = 0; l < targetLength; l++) data.fill(-Infinity, l * sourceLength + Math.min(l + 1, sourceLength), (l + 1) * sourceLength);
  return tf.tensor2d(data, [targetLength, sourceLength], 'float32');
}

/** Options of {@link attentionCore}. */
export interface AttentionCoreOptions {
  /** Additive float mask broadcastable to the scores [..., L, S] (null: none). */
  mask?: tf.Tensor | null;
  /** Apply the top-left aligned causal mask. */
  isCausal?: boolean;
  /** Scale of q·kᵀ (default 1/sqrt(E)). */
  scale?: number | null;
  /** Dropout probability on the weights (0: none). */
  dropoutP?: number;
  /** Where the dropout mask comes from (default: the global generator). */
  generator?: Rng;
  /** Also return the attention weights (after dropout, as torch's MultiheadAttention returns them). */
  keepWeights?: boolean;
}

/**
 * softmax(q·kᵀ·scale + mask)·v for [..., L, E] x [..., S, E] x [..., S, Ev]: the computation behind
 * F.scaled_dot_product_attention and MultiheadAttention.
 * @param query - [..., L, E]
 * @param key - [..., S, E]
 * @param value - [..., S, Ev]
 * @param options - mask, isCausal, scale, dropoutP, generator, keepWeights
 */
export function attentionCore(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, options: AttentionCoreOptions = {}): { output: tf.Tensor; weights: tf.Tensor | null } {
  const e = query.shape[query.rank - 1]!;
  const l = query.shape[query.rank - 2]!;
  const s = key.shape[key.rank - 2]!;
  const p = options.dropoutP ?? 0;
  // One kernel where the backend registers the fused attention (torch: ATen's CPU flash attention, as torch's SDPA
  // runs) and the call has no float mask, dropout or kept weights.
  if (!options.mask && p === 0 && !options.keepWeights) {
    const fused = fusedAttention(query, key, value, options.isCausal ?? false, options.scale ?? null);
    if (fused) return { output: fused, weights: null };
  }
  const scale = options.scale ?? 1 / Math.sqrt(e);
  let scores = tf.mul(tf.matMul(query, key, false, true), scale);
  // The causal mask as an additive [L, S] float mask (0 / -inf): a broadcast add, no bool tile of the scores' size.
  if (options.isCausal) scores = tf.add(scores, causalAdditiveMask(l, s));
  if (options.mask) scores = tf.add(scores, options.mask);
  let weights = tf.softmax(scores);
  if (p > 0) {
    const keep = bernoulliKeepMask(weights.shape, p, options.generator ?? getDefaultGenerator());
    weights = tf.mul(weights, tf.mul(tf.tensor(keep, weights.shape, 'float32'), 1 / (1 - p)));
  }
  return { output: tf.matMul(weights, value), weights: options.keepWeights ? weights : null };
}

/**
 * torch.nn.functional.scaled_dot_product_attention: softmax(q·kᵀ·scale + mask)·v.
 * @param query - [..., L, E]
 * @param key - [..., S, E]
 * @param value - [..., S, Ev]
 * @param options - attnMask, dropoutP, isCausal, scale, generator
 * @returns [..., L, Ev]
 */
export function scaled_dot_product_attention(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, options: ScaledDotProductAttentionOptions = {}): tf.Tensor {
  const what = 'F.scaled_dot_product_attention';
  if (query.rank < 2 || key.rank < 2 || value.rank < 2) throw new Error(`${what}: query, key and value need at least 2 dimensions, got ${shapeText(query)}, ${shapeText(key)}, ${shapeText(value)}`);
  const e = query.shape[query.rank - 1]!;
  const l = query.shape[query.rank - 2]!;
  const s = key.shape[key.rank - 2]!;
  if (key.shape[key.rank - 1] !== e) throw new Error(`${what}: key's last dimension ${key.shape[key.rank - 1]} differs from query's ${e} (query ${shapeText(query)}, key ${shapeText(key)})`);
  if (value.shape[value.rank - 2] !== s) throw new Error(`${what}: value has ${value.shape[value.rank - 2]} positions, key has ${s} (key ${shapeText(key)}, value ${shapeText(value)})`);
  const dropoutP = options.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new Error(`${what}: dropout_p must be in [0, 1], got ${dropoutP}`);
  if (options.isCausal && options.attnMask) throw new Error(`${what}: pass either attn_mask or is_causal, not both (as torch)`);
  return tf.tidy(() => {
    let mask: tf.Tensor | null = null;
    const m = options.attnMask;
    if (m) {
      try {
        tf.broadcast_util.assertAndGetBroadcastShape([...query.shape.slice(0, -1), s], m.shape);
      } catch {
        throw new Error(`${what}: attn_mask of shape ${shapeText(m)} does not broadcast to the attention scores' shape [${[...query.shape.slice(0, -1), s].join(', ')}]`);
      }
      if (m.dtype === 'bool') mask = tf.where(m, tf.zeros(m.shape), tf.fill(m.shape, -Infinity));
      else if (m.dtype === 'float32') mask = m;
      else throw new Error(`${what}: attn_mask must be bool or float32, got ${m.dtype}`);
    }
    const args: AttentionCoreOptions = { mask, isCausal: options.isCausal ?? false, scale: options.scale ?? null, dropoutP };
    if (options.generator) args.generator = options.generator;
    return attentionCore(query, key, value, args).output;
  });
}
