/** torch.nn.functional.layer_norm and rms_norm: normalisation over the trailing `normalized_shape` dimensions. */
import * as tf from '@tensorflow/tfjs-core';
import { fusedLayerNorm } from '../../backend/sequence-kernels.js';

/** float32 machine epsilon: torch.finfo(torch.float32).eps, rms_norm's eps when none is given. */
export const FLOAT32_EPS = 1.1920928955078125e-7;

/** The trailing axes `normalizedShape` covers, after checking that the input ends with that shape. */
export function normalizedAxes(input: tf.Tensor, normalizedShape: number[], what: string): number[] {
  const n = normalizedShape.length;
  if (n === 0) throw new Error(`${what}: normalized_shape must not be empty`);
  const tail = input.shape.slice(input.rank - n);
  if (input.rank < n || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new Error(`${what}: expected an input whose last dimensions are [${normalizedShape.join(', ')}], got shape [${input.shape.join(', ')}]`);
  }
  return Array.from({ length: n }, (_, i) => input.rank - n + i);
}

function checkAffine(t: tf.Tensor | null | undefined, normalizedShape: number[], what: string, name: string): void {
  if (t == null) return;
  if (t.shape.length !== normalizedShape.length || t.shape.some((d, i) => d !== normalizedShape[i])) {
    throw new Error(`${what}: ${name} must have shape [${normalizedShape.join(', ')}], got [${t.shape.join(', ')}]`);
  }
}

/**
 * torch.nn.functional.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5): (x - mean) /
 * sqrt(var + eps) · weight + bias over the last `normalized_shape.length` dimensions, with the biased variance.
 * @param input - [..., *normalized_shape]
 * @param normalizedShape - the trailing shape normalised over (a number means [n])
 * @param weight - optional scale of shape normalized_shape
 * @param bias - optional shift of shape normalized_shape
 * @param eps - added to the variance (default 1e-5)
 */
export function layer_norm(input: tf.Tensor, normalizedShape: number | number[], weight: tf.Tensor | null = null, bias: tf.Tensor | null = null, eps = 1e-5): tf.Tensor {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  const axes = normalizedAxes(input, shape, 'F.layer_norm');
  checkAffine(weight, shape, 'F.layer_norm', 'weight');
  checkAffine(bias, shape, 'F.layer_norm', 'bias');
  // Over the last axis: the fused forward and backward kernels where the backend has them (wasm, cpu).
  const fused = shape.length === 1 ? fusedLayerNorm(input, weight, bias, eps) : null;
  if (fused) return fused;
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(input, axes, true);
    let y = tf.mul(tf.sub(input, mean), tf.rsqrt(tf.add(variance, eps)));
    if (weight) y = tf.mul(y, weight);
    if (bias) y = tf.add(y, bias);
    return y;
  });
}

/**
 * torch.nn.functional.rms_norm(input, normalized_shape, weight=None, eps=None): x / sqrt(mean(x²) + eps) · weight
 * over the last `normalized_shape.length` dimensions; eps null means torch.finfo(float32).eps.
 * @param input - [..., *normalized_shape]
 * @param normalizedShape - the trailing shape normalised over (a number means [n])
 * @param weight - optional scale of shape normalized_shape
 * @param eps - added to the mean square (default: float32 machine epsilon)
 */
export function rms_norm(input: tf.Tensor, normalizedShape: number | number[], weight: tf.Tensor | null = null, eps: number | null = null): tf.Tensor {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  const axes = normalizedAxes(input, shape, 'F.rms_norm');
  checkAffine(weight, shape, 'F.rms_norm', 'weight');
  return tf.tidy(() => {
    const y = tf.mul(input, tf.rsqrt(tf.add(tf.mean(tf.square(input), axes, true), eps ?? FLOAT32_EPS)));
    return weight ? tf.mul(y, weight) : y;
  });
}
