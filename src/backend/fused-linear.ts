/**
 * A Linear as one kernel (TwinmlLinear, src/backend/linear-kernel-names.ts) where the active backend registers it
 * and its gradient kernel: y = x·Wᵀ + b over the last axis of any-rank float32 input, with PyTorch's [out, in]
 * weight read in place. The gradient asks for each input's gradient separately (a network's first layer needs
 * no dx, a frozen bias no db), each one TwinmlLinearGrad kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LINEAR, LINEAR_GRAD, type LinearGradPart } from './linear-kernel-names.js';

/** Whether the active backend registers TwinmlLinear and TwinmlLinearGrad. */
export function hasFusedLinear(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(LINEAR, backend) !== undefined && tf.getKernel(LINEAR_GRAD, backend) !== undefined;
}

let registered = false;

/** Registers TwinmlLinear's gradient (idempotent). */
function registerLinearGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: LINEAR,
    inputsToSave: ['x', 'weight'],
    gradFunc: (dy, saved) => {
      const [x, weight] = saved as [tf.Tensor, tf.Tensor];
      const part = (which: LinearGradPart, inputs: tf.NamedTensorMap) => () =>
        tf.engine().runKernel(LINEAR_GRAD, inputs, { part: which } as unknown as tf.NamedAttrMap) as tf.Tensor;
      const g = dy as tf.Tensor;
      return { x: part('input', { dy: g, weight }), weight: part('weight', { dy: g, x }), bias: part('bias', { dy: g }) };
    },
  });
}

/**
 * x·weightᵀ + bias as one kernel, or null when the active backend has no fused Linear or x is not float32 (the
 * caller then composes).
 * @param x - [..., in]
 * @param weight - [out, in]
 * @param bias - [out] or null
 */
export function fusedLinear(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null): tf.Tensor | null {
  if (x.dtype !== 'float32' || weight.dtype !== 'float32' || !hasFusedLinear()) return null;
  registerLinearGradient();
  const inputs: tf.NamedTensorMap = bias ? { x, weight, bias } : { x, weight };
  return tf.engine().runKernel(LINEAR, inputs) as tf.Tensor;
}
