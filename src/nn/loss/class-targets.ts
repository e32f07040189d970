/**
 * Shapes of the classification losses (cross_entropy, nll_loss), as torch accepts them: input [C] with target [],
 * input [N, C] with target [N], or input [N, C, d1, ...] with target [N, d1, ...]. Everything is brought to
 * rows [M, C] with targets [M]; per-sample results go back to the target's shape.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Input rows [M, C] and the shape per-sample losses return to. */
export interface ClassRows {
  rows: tf.Tensor2D;
  classes: number;
  /** The shape of `reduction='none'` results: target's shape ([] unbatched, [N], [N, d1, ...]). */
  sampleShape: number[];
}

/** Moves the class dimension (1, or 0 when unbatched) last and flattens the rest. Call inside tidy. */
export function classRows(input: tf.Tensor, what: string): ClassRows {
  if (input.rank === 0) throw new Error(`${what}: input must have a class dimension, got a scalar`);
  if (input.rank === 1) return { rows: tf.reshape(input, [1, input.shape[0]!]) as tf.Tensor2D, classes: input.shape[0]!, sampleShape: [] };
  const classes = input.shape[1]!;
  const sampleShape = [input.shape[0]!, ...input.shape.slice(2)];
  if (input.rank === 2) return { rows: input as tf.Tensor2D, classes, sampleShape };
  const perm = [0, ...Array.from({ length: input.rank - 2 }, (_, i) => i + 2), 1];
  return { rows: tf.reshape(tf.transpose(input, perm), [-1, classes]) as tf.Tensor2D, classes, sampleShape };
}

/** Class-index targets as int32 [M], checked against the sample shape. Call inside tidy. */
export function indexTargets(target: tf.Tensor, sampleShape: number[], inputShape: number[], what: string): tf.Tensor1D {
  if (target.rank !== sampleShape.length || target.shape.some((d, i) => d !== sampleShape[i])) {
    throw new Error(`${what}: for input [${inputShape.join(', ')}] expected class-index target of shape [${sampleShape.join(', ')}], got [${target.shape.join(', ')}]`);
  }
  return tf.reshape(target.dtype === 'int32' ? target : tf.cast(target, 'int32'), [-1]) as tf.Tensor1D;
}

/** Probability targets [same shape as input] as rows [M, C]. Call inside tidy. */
export function probabilityRows(target: tf.Tensor, input: tf.Tensor, what: string): tf.Tensor2D {
  if (target.dtype !== 'float32') throw new Error(`${what}: class-probability targets must be float32, got ${target.dtype}`);
  if (target.rank !== input.rank || target.shape.some((d, i) => d !== input.shape[i])) {
    throw new Error(`${what}: probability target [${target.shape.join(', ')}] must have the input's shape [${input.shape.join(', ')}]`);
  }
  return classRows(target, what).rows;
}

/**
 * The per-sample weight w[y_i] (1 without class weights), 0 where y_i == ignoreIndex, and the one-hot rows of the
 * valid targets. Call inside tidy.
 */
export function pickWeights(targets: tf.Tensor1D, classes: number, ignoreIndex: number, classWeight: tf.Tensor | null): { oneHot: tf.Tensor2D; sampleWeight: tf.Tensor1D; valid: tf.Tensor1D } {
  const valid = tf.notEqual(targets, tf.scalar(ignoreIndex, 'int32'));
  const safe = tf.where(valid, targets, tf.zerosLike(targets)) as tf.Tensor1D;
  const values = safe.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < 0 || values[i]! >= classes) throw new Error(`Target ${values[i]} is out of bounds: classes are 0..${classes - 1} (ignore_index ${ignoreIndex})`);
  }
  const oneHot = tf.cast(tf.oneHot(safe, classes), 'float32') as tf.Tensor2D;
  const validF = tf.cast(valid, 'float32') as tf.Tensor1D;
  const sampleWeight = (classWeight ? tf.mul(tf.sum(tf.mul(oneHot, classWeight), 1), validF) : validF) as tf.Tensor1D;
  return { oneHot, sampleWeight, valid: validF };
}
