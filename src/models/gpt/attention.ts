// Mirrors python/twinml_ref/models/gpt.py: CausalSelfAttention
/**
 * Multi-head causal self-attention: one Linear makes q, k and v for all heads (c_attn), the heads attend with
 * F.scaled_dot_product_attention, and c_proj mixes them. With a cache, the new keys and values are appended to the
 * past ones and query i (at position t_past + i) sees keys 0 .. t_past + i.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { Dropout } from '../../nn/dropout.js';
import { scaled_dot_product_attention } from '../../nn/functional/attention.js';
import type { GPTConfig } from './config.js';

/** One layer's keys and values, [B, n_head, T, head_dim] each (a type, so tf.tidy can return it). */
export type LayerCache = {
  key: tf.Tensor;
  value: tf.Tensor;
};

/** The [T, S] mask of new queries over past + new keys: true where key j <= t_past + i. */
function cachedCausalMask(t: number, s: number): tf.Tensor2D {
  const past = s - t;
  const data = new Uint8Array(t * s);
  for (let i = 0; i < t; i++) data.fill(1, i * s, i * s + past + i + 1);
  return tf.tensor2d(data, [t, s], 'bool');
}

export class CausalSelfAttention extends Module<{ y: tf.Tensor; key: tf.Tensor; value: tf.Tensor }> {
  c_attn: Linear;
  c_proj: Linear;
  attn_dropout: Dropout;
  resid_dropout: Dropout;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly dropout: number;

  /** @param config - n_embd, n_head, bias, dropout */
  constructor(config: GPTConfig) {
    super();
    this.c_attn = new Linear(config.n_embd, 3 * config.n_embd, { bias: config.bias });
    this.c_proj = new Linear(config.n_embd, config.n_embd, { bias: config.bias });
    this.attn_dropout = new Dropout(config.dropout);
    this.resid_dropout = new Dropout(config.dropout);
    this.nHead = config.n_head;
    this.nEmbd = config.n_embd;
    this.dropout = config.dropout;
  }

  /**
   * @param x - [B, T, C]
   * @param past - this layer's cache, or null
   * @returns y [B, T, C] and the layer's keys and values including the new positions
   */
  forward(x: tf.Tensor, past: LayerCache | null = null): { y: tf.Tensor; key: tf.Tensor; value: tf.Tensor } {
    const [B, T, C] = x.shape as [number, number, number];
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, this.nHead, C / this.nHead]), [0, 2, 1, 3]); // (B, nh, T, hs)
    const [q0, k0, v0] = tf.split(this.c_attn.call(x), 3, 2) as [tf.Tensor, tf.Tensor, tf.Tensor];
    let k = heads(k0);
    const q = heads(q0);
    let v = heads(v0);
    if (past !== null) {
      k = tf.concat([past.key, k], 2);
      v = tf.concat([past.value, v], 2);
    }
    const dropoutP = this.training ? this.dropout : 0;
    const S = k.shape[2]!;
    const attended =
      S === T
        ? scaled_dot_product_attention(q, k, v, { dropoutP, isCausal: true })
        : scaled_dot_product_attention(q, k, v, { dropoutP, attnMask: cachedCausalMask(T, S) });
    const y = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [B, T, C]); // re-assemble all head outputs side by side
    return { y: this.resid_dropout.call(this.c_proj.call(y)), key: k, value: v };
  }
}
