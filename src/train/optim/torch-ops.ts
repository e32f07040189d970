/**
 * The in-place tensor ops torch's single-tensor optimizers are written with, as float32 tfjs ops rounding where
 * torch's scalar CPU kernels round (each op one rounding; scalars as float32):
 *   add(x, y, alpha)          x + alpha * y
 *   addcmul(x, a, b, value)   x + (value * a) * b
 *   addcdiv(x, a, b, value)   x + (value * a) / b
 *   lerp(x, end, w)           x + w * (end - x)  for |w| < 0.5,  else  end - (end - x) * (1 - w)
 */
import * as tf from '@tensorflow/tfjs-core';

/** torch.add(x, y, alpha=alpha): x + alpha * y. */
export function addScaled(x: tf.Tensor, y: tf.Tensor, alpha: number): tf.Tensor {
  return tf.add(x, tf.mul(y, alpha));
}

/** torch.addcmul(x, a, b, value=value): x + value * a * b. */
export function addcmul(x: tf.Tensor, a: tf.Tensor, b: tf.Tensor, value = 1): tf.Tensor {
  return tf.add(x, tf.mul(value === 1 ? a : tf.mul(a, value), b));
}

/** torch.addcdiv(x, a, b, value=value): x + value * a / b. */
export function addcdiv(x: tf.Tensor, a: tf.Tensor, b: tf.Tensor, value = 1): tf.Tensor {
  return tf.add(x, tf.div(value === 1 ? a : tf.mul(a, value), b));
}

/** torch.lerp(x, end, weight) with a scalar weight, in torch's two-sided form. */
export function lerp(x: tf.Tensor, end: tf.Tensor, weight: number): tf.Tensor {
  const w = Math.fround(weight);
  if (Math.abs(w) < 0.5) return tf.add(x, tf.mul(tf.sub(end, x), w));
  return tf.sub(end, tf.mul(tf.sub(end, x), 1 - w));
}
