// Mirrors python/twinml_ref/models/gpt.py: MLP, Block
/** The MLP (Linear 4x wider, exact GELU, Linear back, Dropout) and the pre-norm transformer Block. */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/module.js';
import { Linear } from '../../nn/linear.js';
import { GELU } from '../../nn/activation-extra.js';
import { Dropout } from '../../nn/dropout.js';
import { LayerNorm } from '../../nn/normalization.js';
import { CausalSelfAttention, type LayerCache } from './attention.js';
import type { GPTConfig } from './config.js';

export class MLP extends Module {
  c_fc: Linear;
  gelu: GELU;
  c_proj: Linear;
  dropout: Dropout;

  /** @param config - n_embd, bias, dropout */
  constructor(config: GPTConfig) {
    super();
    this.c_fc = new Linear(config.n_embd, 4 * config.n_embd, { bias: config.bias });
    this.gelu = new GELU();
    this.c_proj = new Linear(4 * config.n_embd, config.n_embd, { bias: config.bias });
    this.dropout = new Dropout(config.dropout);
  }

  /** @param x - [B, T, C] */
  forward(x: tf.Tensor): tf.Tensor {
    return this.dropout.call(this.c_proj.call(this.gelu.call(this.c_fc.call(x))));
  }
}

export class Block extends Module<{ x: tf.Tensor; key: tf.Tensor; value: tf.Tensor }> {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;

  /** @param config - the model's config */
  constructor(config: GPTConfig) {
    super();
    this.ln_1 = new LayerNorm(config.n_embd, { bias: config.bias });
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new LayerNorm(config.n_embd, { bias: config.bias });
    this.mlp = new MLP(config);
  }

  /**
   * x + attn(ln_1(x)), then x + mlp(ln_2(x)).
   * @param x - [B, T, C]
   * @param past - this layer's cache, or null
   */
  forward(x: tf.Tensor, past: LayerCache | null = null): { x: tf.Tensor; key: tf.Tensor; value: tf.Tensor } {
    const a = this.attn.call(this.ln_1.call(x), past);
    const h = tf.add(x, a.y);
    return { x: tf.add(h, this.mlp.call(this.ln_2.call(h))), key: a.key, value: a.value };
  }
}
