/** What the losses share: torch's `reduction` argument and how per-class weights may be given. */
import * as tf from '@tensorflow/tfjs-core';

/** torch's `reduction`: 'mean' (default), 'sum', or 'none' (one loss per element/sample). */
export type Reduction = 'mean' | 'sum' | 'none';

/** A weight tensor, as a tensor or as plain numbers. */
export type WeightInput = tf.Tensor | number[] | Float32Array;

/** Throws unless `reduction` is one of torch's three. */
export function checkReduction(reduction: string, what: string): Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`${what}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  }
  return reduction;
}

/** Applies a reduction to elementwise losses ('mean' over all elements). */
export function reduce(loss: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? tf.sum(loss) : tf.mean(loss);
}

/** A tensor from a WeightInput (a new tensor; the caller disposes it or runs inside tidy). */
export function weightTensor(weight: WeightInput): tf.Tensor {
  return weight instanceof tf.Tensor ? tf.cast(weight, 'float32') : tf.tensor1d(Float32Array.from(weight));
}

/** Throws naming both shapes unless input and target have the same shape. */
export function assertSameShape(input: tf.Tensor, target: tf.Tensor, what: string): void {
  if (input.rank !== target.rank || input.shape.some((d, i) => d !== target.shape[i])) {
    throw new Error(`${what}: input [${input.shape.join(', ')}] and target [${target.shape.join(', ')}] differ in shape`);
  }
}
