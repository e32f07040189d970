/**
 * Mirrors torch.nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0),
 * computed from log-softmax (never from clipped probabilities), for class-index targets.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SOFTMAX_CROSS_ENTROPY } from '../../backend/kernel-names.js';
import { hasFusedKernel } from '../optim/fused.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface CrossEntropyLossOptions {
  /** Per-class weights (length C). */
  weight?: number[] | Float32Array;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

export class CrossEntropyLoss {
  readonly weight: Float32Array | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;

  constructor(options: CrossEntropyLossOptions = {}) {
    this.weight = options.weight ? Float32Array.from(options.weight) : null;
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.reduction = options.reduction ?? 'mean';
    this.labelSmoothing = options.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) {
      throw new Error(`CrossEntropyLoss: label_smoothing must be in [0, 1], got ${this.labelSmoothing}`);
    }
  }

  /**
   * @param input - logits [N, C]
   * @param target - class indices [N] (int32)
   */
  call(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (input.rank !== 2) throw new Error(`CrossEntropyLoss: expected logits of shape [N, C], got [${input.shape.join(', ')}]`);
      const [n, c] = input.shape as [number, number];
      if (target.rank !== 1 || target.shape[0] !== n) {
        throw new Error(`CrossEntropyLoss: expected target of shape [${n}], got [${target.shape.join(', ')}]`);
      }
      if (this.weight && this.weight.length !== c) {
        throw new Error(`CrossEntropyLoss: weight has ${this.weight.length} entries but the input has ${c} classes`);
      }
      if (!this.weight && this.labelSmoothing === 0 && input.dtype === 'float32' && hasFusedKernel(SOFTMAX_CROSS_ENTROPY)) {
        return this.fused(input, target);
      }
      const logp = tf.logSoftmax(input, -1);
      const targetInt = tf.cast(target, 'int32');
      const valid = tf.notEqual(targetInt, tf.scalar(this.ignoreIndex, 'int32'));
      const safeTarget = tf.where(valid, targetInt, tf.zerosLike(targetInt));
      const validF = tf.cast(valid, 'float32');
      const oneHot = tf.cast(tf.oneHot(safeTarget as tf.Tensor1D, c), 'float32');
      const classWeight = this.weight ? tf.tensor1d(this.weight) : null;
      // w[y_i] for each sample (1 without weights), zero where ignored.
      const sampleWeight = classWeight ? tf.mul(tf.sum(tf.mul(oneHot, classWeight), 1), validF) : validF;
      const picked = tf.sum(tf.mul(oneHot, logp), 1);
      let perSample = tf.neg(tf.mul(picked, sampleWeight));
      if (this.labelSmoothing > 0) {
        const weightedAll = classWeight ? tf.mul(logp, classWeight) : logp;
        const smooth = tf.mul(tf.neg(tf.sum(weightedAll, 1)), validF);
        perSample = tf.add(tf.mul(perSample, 1 - this.labelSmoothing), tf.mul(smooth, this.labelSmoothing / c));
      }
      if (this.reduction === 'none') return perSample;
      const total = tf.sum(perSample);
      if (this.reduction === 'sum') return total;
      return tf.div(total, tf.sum(sampleWeight));
    });
  }

  /** The unweighted, unsmoothed loss through the fused kernel: its gradient is (softmax - onehot) scaled by dy. */
  private fused(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    const targetInt = target.dtype === 'int32' ? target : tf.cast(target, 'int32');
    const n = input.shape[0]!;
    const lossOf = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [logits, save] = args as [tf.Tensor, tf.GradSaveFunc];
      const attrs = { ignoreIndex: this.ignoreIndex } as unknown as tf.NamedAttrMap;
      const [perSample, unitGrad, count] = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, target: targetInt }, attrs) as tf.Tensor[];
      save([unitGrad!, count!]);
      const value = this.reduction === 'none' ? perSample! : this.reduction === 'sum' ? tf.sum(perSample!) : tf.div(tf.sum(perSample!), count!);
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [g, cnt] = saved as [tf.Tensor, tf.Tensor];
        if (this.reduction === 'none') return tf.mul(g, tf.reshape(dy, [n, 1]));
        return tf.mul(g, this.reduction === 'sum' ? dy : tf.div(dy, cnt));
      };
      return { value, gradFunc };
    }) as Parameters<typeof tf.customGrad>[0]);
    return lossOf(input);
  }
}
