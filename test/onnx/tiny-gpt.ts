/**
 * A small GPT written for the exporter tests (besides the zoo gpt): token and position Embeddings,
 * per layer a fused qkv Linear, tf.split, heads by reshape/transpose, a causal mask from two tf.range's offset by
 * the past length, tf.where to -inf, softmax, an output Linear, and a Linear head. It implements the zoo GPT's
 * cache protocol (with `sdpa`, LayerNorm, GELU, F.scaled_dot_product_attention and torch.tril masks, as the zoo gpt): forwardWithCache(idx, past) -> { logits, present }, key/value [B, n_head, T_past + T, head_dim].
 */
import * as tf from '@tensorflow/tfjs-core';
import { Embedding, GELU, LayerNorm, Linear, Module, ModuleList } from '../../src/nn/index.js';
import { scaled_dot_product_attention } from '../../src/nn/functional/attention.js';
import { tril } from '../../src/nn/tensor-ops.js';
import type { LayerKV } from '../../src/onnx/kv-cache.js';

class Attention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  constructor(
    readonly nEmbd: number,
    readonly nHead: number,
    readonly sdpa = false,
  ) {
    super();
    this.c_attn = new Linear(nEmbd, 3 * nEmbd);
    this.c_proj = new Linear(nEmbd, nEmbd);
  }
  forward(x: tf.Tensor, past?: LayerKV | null): tf.Tensor {
    return this.step(x, past ?? null).y;
  }
  step(x: tf.Tensor, past: LayerKV | null): { y: tf.Tensor; present: LayerKV } {
    const [b, t, c] = x.shape as [number, number, number];
    const hd = c / this.nHead;
    const heads = (z: tf.Tensor) => tf.transpose(tf.reshape(z, [b, t, this.nHead, hd]), [0, 2, 1, 3]);
    const [q, k0, v0] = tf.split(this.c_attn.call(x), 3, 2).map(heads) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const k = past ? tf.concat([past.key, k0], 2) : k0;
    const v = past ? tf.concat([past.value, v0], 2) : v0;
    const p = past ? (past.key.shape[2] as number) : 0;
    if (this.sdpa) {
      // As the zoo gpt: is_causal without a past, else tril(ones(T, P + T), P) (query i sits at position P + i).
      const mask = p === 0 ? null : tril(tf.ones([t, p + t], 'bool'), p);
      const y = scaled_dot_product_attention(q, k, v, mask ? { attnMask: mask } : { isCausal: true });
      return { y: this.c_proj.call(tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b, t, c])), present: { key: k, value: v } };
    }
    const att = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hd));
    const rows = tf.reshape(tf.range(p, p + t, 1, 'int32'), [t, 1]);
    const cols = tf.reshape(tf.range(0, p + t, 1, 'int32'), [1, p + t]);
    const masked = tf.where(tf.lessEqual(cols, rows), att, tf.fill(att.shape, -Infinity));
    const y = tf.matMul(tf.softmax(masked), v);
    return { y: this.c_proj.call(tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b, t, c])), present: { key: k, value: v } };
  }
}

class Block extends Module {
  ln_1: LayerNorm | null;
  attn: Attention;
  mlp: Linear;
  gelu = new GELU();
  constructor(nEmbd: number, nHead: number, sdpa: boolean) {
    super();
    this.ln_1 = sdpa ? new LayerNorm(nEmbd) : null;
    this.attn = new Attention(nEmbd, nHead, sdpa);
    this.mlp = new Linear(nEmbd, nEmbd);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.step(x, null).y;
  }
  step(x: tf.Tensor, past: LayerKV | null): { y: tf.Tensor; present: LayerKV } {
    const a = this.attn.step(this.ln_1 ? this.ln_1.call(x) : x, past);
    const h = tf.add(x, a.y);
    return { y: tf.add(h, this.ln_1 ? this.gelu.call(this.mlp.call(h)) : tf.tanh(this.mlp.call(h))), present: a.present };
  }
}

/** The test GPT: vocab, block size, layers, heads, width. */
export class TinyGPT extends Module {
  wte: Embedding;
  wpe: Embedding;
  h: ModuleList;
  lm_head: Linear;
  constructor(
    readonly vocabSize = 13,
    readonly blockSize = 16,
    nLayer = 2,
    nHead = 2,
    nEmbd = 8,
    /** Attention as the zoo gpt writes it: LayerNorm, GELU, F.scaled_dot_product_attention and tril masks. */
    sdpa = false,
  ) {
    super();
    this.wte = new Embedding(vocabSize, nEmbd);
    this.wpe = new Embedding(blockSize, nEmbd);
    this.h = new ModuleList(Array.from({ length: nLayer }, () => new Block(nEmbd, nHead, sdpa)));
    this.lm_head = new Linear(nEmbd, vocabSize, { bias: false });
  }
  forward(idx: tf.Tensor): tf.Tensor {
    return this.forwardWithCache(idx, null).logits;
  }
  forwardWithCache(idx: tf.Tensor, past: LayerKV[] | null): { logits: tf.Tensor; present: LayerKV[] } {
    const t = idx.shape[1] as number;
    const p = past ? (past[0]!.key.shape[2] as number) : 0;
    let x = tf.add(this.wte.call(idx), this.wpe.call(tf.range(p, p + t, 1, 'int32')));
    const present: LayerKV[] = [];
    ([...this.h] as Block[]).forEach((block, i) => {
      const s = block.step(x, past ? past[i]! : null);
      x = s.y;
      present.push(s.present);
    });
    return { logits: this.lm_head.call(x), present };
  }
}
