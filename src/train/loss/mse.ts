/** Mirrors torch.nn.MSELoss(reduction='mean'). */
import * as tf from '@tensorflow/tfjs-core';
import type { Reduction } from './cross-entropy.js';

export class MSELoss {
  constructor(readonly reduction: Reduction = 'mean') {}

  call(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (input.shape.join() !== target.shape.join()) {
        throw new Error(`MSELoss: input [${input.shape.join(', ')}] and target [${target.shape.join(', ')}] differ in shape`);
      }
      const sq = tf.squaredDifference(input, target);
      if (this.reduction === 'none') return sq;
      return this.reduction === 'sum' ? tf.sum(sq) : tf.mean(sq);
    });
  }
}
