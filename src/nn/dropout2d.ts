/**
 * Mirrors torch.nn.Dropout2d(p=0.5): in training, zeroes whole channels (one draw per sample and channel) with
 * probability p and scales the rest by 1/(1-p); identity in eval mode. Masks come from twinml's seeded generator.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { pyFloat } from './python-repr.js';
import { bernoulliKeepMask, type MaskSource } from './dropout.js';

export class Dropout2d extends Module {
  /** Overrides where masks come from (one value per sample and channel). */
  maskSource: MaskSource | null = null;

  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout2d: p must be in [0, 1], got ${p}`);
  }

  /** Drops channels of a channels-last tensor [N, H, W, C] (for `Sequential`'s channels-last runs). */
  forwardChannelsLast(x: tf.Tensor4D): tf.Tensor4D {
    return this.dropChannels(x, [x.shape[0], 1, 1, x.shape[3]]) as tf.Tensor4D;
  }

  /** (N, C, H, W) input; a 3-D input is taken as (N, C, L) like PyTorch's channel-wise 1-D dropout. */
  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 && x.rank !== 3) throw new Error(`Dropout2d: expected a 3-D or 4-D input, got shape [${x.shape.join(', ')}]`);
    return this.dropChannels(x, [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)]);
  }

  private dropChannels(x: tf.Tensor, maskShape: number[]): tf.Tensor {
    if (!this.training || this.p === 0) return x.clone();
    if (this.p === 1) return tf.zerosLike(x);
    const mask = (this.maskSource ?? bernoulliKeepMask)(maskShape, this.p);
    return tf.tidy(() => tf.mul(x, tf.mul(tf.tensor(mask, maskShape, 'float32'), 1 / (1 - this.p))));
  }

  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}
