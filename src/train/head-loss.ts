/**
 * The loss and the prediction rule for a model's output head:
 *   softmax: CrossEntropyLoss over logits [N, C] (optional class weights), prediction = argmax
 *   sign:    MSELoss of the single score [N, 1] against ±1 (Adaline's LMS rule), prediction = score > 0
 */
import * as tf from '@tensorflow/tfjs-core';
import { CrossEntropyLoss, MSELoss } from '../nn/loss/index.js';

export type Head = 'softmax' | 'sign';

export interface HeadLoss {
  /** Mean loss of a batch (a scalar). */
  loss(output: tf.Tensor, labels: tf.Tensor): tf.Scalar;
  /** Sum of per-sample losses (for exact epoch means over uneven batches). */
  lossSum(output: tf.Tensor, labels: tf.Tensor): tf.Scalar;
  /** Predicted class per sample. */
  predict(output: tf.Tensor): tf.Tensor;
}

export function headLoss(head: Head, classWeights?: Float32Array): HeadLoss {
  if (head === 'softmax') {
    const mean = new CrossEntropyLoss(classWeights ? { weight: classWeights } : {});
    const sum = new CrossEntropyLoss({ ...(classWeights ? { weight: classWeights } : {}), reduction: 'sum' });
    return {
      loss: (out, y) => mean.call(out, y) as tf.Scalar,
      lossSum: (out, y) => sum.call(out, y) as tf.Scalar,
      predict: (out) => tf.argMax(out, -1),
    };
  }
  const mean = new MSELoss({ reduction: 'mean' });
  const sum = new MSELoss({ reduction: 'sum' });
  const target = (y: tf.Tensor) => tf.reshape(tf.sub(tf.mul(tf.cast(y, 'float32'), 2), 1), [-1, 1]);
  return {
    loss: (out, y) => tf.tidy(() => mean.call(out, target(y))) as tf.Scalar,
    lossSum: (out, y) => tf.tidy(() => sum.call(out, target(y))) as tf.Scalar,
    predict: (out) => tf.tidy(() => tf.cast(tf.greater(tf.reshape(out, [-1]), 0), 'int32')),
  };
}
