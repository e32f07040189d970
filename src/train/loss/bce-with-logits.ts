/**
 * Mirrors torch.nn.BCEWithLogitsLoss(weight=None, reduction='mean', pos_weight=None), computed from logits with
 * PyTorch's stable form (never from clipped probabilities):
 *   loss = (1 - y) * x + (1 + (pos_weight - 1) * y) * (log1p(exp(-|x|)) + max(-x, 0)),   times weight if given.
 * `pos_weight` broadcasts along the last (class) dimension, `weight` against the input shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Reduction } from './cross-entropy.js';

export interface BCEWithLogitsLossOptions {
  /** Element weights, broadcast against the input. */
  weight?: number[] | Float32Array;
  reduction?: Reduction;
  /** Weight of positive examples per class (last dimension). */
  posWeight?: number[] | Float32Array;
}

export class BCEWithLogitsLoss {
  readonly weight: Float32Array | null;
  readonly posWeight: Float32Array | null;
  readonly reduction: Reduction;

  constructor(options: BCEWithLogitsLossOptions = {}) {
    this.weight = options.weight ? Float32Array.from(options.weight) : null;
    this.posWeight = options.posWeight ? Float32Array.from(options.posWeight) : null;
    this.reduction = options.reduction ?? 'mean';
  }

  /**
   * @param input - logits, any shape
   * @param target - probabilities in [0, 1], the same shape
   */
  call(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (input.shape.join() !== target.shape.join()) {
        throw new Error(`BCEWithLogitsLoss: input [${input.shape.join(', ')}] and target [${target.shape.join(', ')}] differ in shape`);
      }
      const last = input.shape[input.shape.length - 1] ?? 1;
      if (this.posWeight && this.posWeight.length !== last && this.posWeight.length !== 1) {
        throw new Error(`BCEWithLogitsLoss: pos_weight has ${this.posWeight.length} entries but the input's last dimension is ${last}`);
      }
      const y = tf.cast(target, 'float32');
      // log1p(exp(-|x|)) + max(-x, 0) = -log(sigmoid(x)), stable for large |x|.
      const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(input)))), tf.relu(tf.neg(input)));
      const logWeight = this.posWeight ? tf.add(tf.mul(tf.sub(tf.tensor1d(this.posWeight), 1), y), 1) : null;
      let loss = tf.add(tf.mul(tf.sub(1, y), input), logWeight ? tf.mul(logWeight, softplusNeg) : softplusNeg);
      if (this.weight) loss = tf.mul(loss, tf.tensor(this.weight, this.weight.length === last ? [last] : undefined));
      if (this.reduction === 'none') return loss;
      return this.reduction === 'sum' ? tf.sum(loss) : tf.mean(loss);
    });
  }
}
