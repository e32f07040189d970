/**
 * Mirrors torch.nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean') for log-probabilities [N, C] and
 * class-index targets [N]: loss_i = -weight[y_i] * input[i, y_i] (0 where y_i = ignore_index); 'mean' divides by
 * the sum of weight[y_i] over the samples that are not ignored.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Reduction } from './cross-entropy.js';

export interface NLLLossOptions {
  /** Per-class weights (length C). */
  weight?: number[] | Float32Array;
  ignoreIndex?: number;
  reduction?: Reduction;
}

export class NLLLoss {
  readonly weight: Float32Array | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;

  constructor(options: NLLLossOptions = {}) {
    this.weight = options.weight ? Float32Array.from(options.weight) : null;
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
  }

  /**
   * @param input - log-probabilities [N, C]
   * @param target - class indices [N]
   */
  call(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (input.rank !== 2) throw new Error(`NLLLoss: expected input of shape [N, C], got [${input.shape.join(', ')}]`);
      const [n, c] = input.shape as [number, number];
      if (target.rank !== 1 || target.shape[0] !== n) throw new Error(`NLLLoss: expected target of shape [${n}], got [${target.shape.join(', ')}]`);
      if (this.weight && this.weight.length !== c) throw new Error(`NLLLoss: weight has ${this.weight.length} entries but the input has ${c} classes`);
      const targetInt = tf.cast(target, 'int32');
      const valid = tf.notEqual(targetInt, tf.scalar(this.ignoreIndex, 'int32'));
      const safeTarget = tf.where(valid, targetInt, tf.zerosLike(targetInt));
      const oneHot = tf.cast(tf.oneHot(safeTarget as tf.Tensor1D, c), 'float32');
      const validF = tf.cast(valid, 'float32');
      const sampleWeight = this.weight ? tf.mul(tf.sum(tf.mul(oneHot, tf.tensor1d(this.weight)), 1), validF) : validF;
      const perSample = tf.neg(tf.mul(tf.sum(tf.mul(oneHot, input), 1), sampleWeight));
      if (this.reduction === 'none') return perSample;
      const total = tf.sum(perSample);
      return this.reduction === 'sum' ? total : tf.div(total, tf.sum(sampleWeight));
    });
  }
}
