/**
 * GELU as twinml's fused kernels (src/backend/gelu-kernel-names.ts) where the active backend registers both:
 * y = TwinmlGelu(x), with TwinmlGeluGrad(dy, x) as its gradient. F.gelu (and nn.GELU) use it and otherwise compose
 * tfjs ops (the cpu backend stays the reference).
 */
import * as tf from '@tensorflow/tfjs-core';
import { GELU, GELU_GRAD } from './gelu-kernel-names.js';
import { recordingGradients } from './sequence-kernels.js';

/** GELU's two forms, as torch's `approximate` argument. */
export type GeluApproximation = 'none' | 'tanh';

/** Whether the active backend registers the fused GELU and its gradient. */
export function hasFusedGelu(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(GELU, backend) !== undefined && tf.getKernel(GELU_GRAD, backend) !== undefined;
}

/**
 * gelu(x) as one kernel (and one kernel for its gradient), or null when the active backend has no fused GELU or x
 * is not float32 (the caller then composes tfjs ops).
 * @param x - any shape, float32
 * @param approximate - 'none' (erf) or 'tanh'
 */
export function fusedGelu(x: tf.Tensor, approximate: GeluApproximation): tf.Tensor | null {
  if (x.dtype !== 'float32' || !hasFusedGelu()) return null;
  const attrs = { approximate } as unknown as tf.NamedAttrMap;
  if (!recordingGradients()) return tf.engine().runKernel(GELU, { x }, attrs) as tf.Tensor;
  const f = tf.customGrad(((xIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xIn]);
    const value = tf.engine().runKernel(GELU, { x: xIn }, attrs) as tf.Tensor;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(GELU_GRAD, { dy, x: saved[0]! }, attrs) as tf.Tensor;
    return { value, gradFunc };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(x);
}
