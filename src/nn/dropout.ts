/**
 * Mirrors torch.nn.Dropout(p=0.5): in training, zeroes each element with probability p and scales the rest
 * by 1/(1-p); identity in eval mode. Masks come from twinml's seeded generator (or an injected mask source).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { pyFloat } from './python-repr.js';
import { getDefaultGenerator } from './generator.js';
import type { Rng } from '../util/rng.js';

/** Produces a keep-mask (1 = keep, 0 = drop) of the given shape. */
export type MaskSource = (shape: number[], p: number) => Float32Array;

export function bernoulliKeepMask(shape: number[], p: number, rng: Rng = getDefaultGenerator()): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.random() >= p ? 1 : 0;
  return mask;
}

export class Dropout extends Module {
  /** Overrides where masks come from (for tests that inject PyTorch's mask). */
  maskSource: MaskSource | null = null;

  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x.clone();
    if (this.p === 1) return tf.zerosLike(x);
    const mask = (this.maskSource ?? bernoulliKeepMask)(x.shape, this.p);
    return tf.tidy(() => tf.mul(x, tf.mul(tf.tensor(mask, x.shape, 'float32'), 1 / (1 - this.p))));
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
