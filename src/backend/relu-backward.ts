/**
 * ReLU's gradient as one kernel. tfjs differentiates Relu as dy * cast(step(x)): three kernels per ReLU in every
 * backward pass (Step, Cast, Multiply; 0.13 ms of the wasm MLP training step). twinml registers Relu's gradient
 * to run `TwinmlReluBackward` (one SIMD pass, src/backend/wasm/relu-backward.ts) where the active backend has it,
 * and dy * step(x) elsewhere. The rule is PyTorch's threshold_backward: 0 where the input is <= 0, dy elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Kernel computing ReLU's gradient: 0 where y <= 0, dy elsewhere (inputs {dy, y}); registered for wasm. */
export const RELU_BACKWARD = 'TwinmlReluBackward';

/**
 * 0 where y <= 0, dy elsewhere: one kernel where the backend has it, else dy * step(y).
 * @param dy - Gradient of the ReLU's output.
 * @param y - The ReLU's input or output (the same sign test).
 */
export function reluBackward(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (tf.getKernel(RELU_BACKWARD, tf.getBackend())) return tf.engine().runKernel(RELU_BACKWARD, { dy, y }) as tf.Tensor;
  return tf.mul(dy, tf.step(y));
}

/**
 * The activation of a fused kernel whose gradient twinml registers (FusedConv2D, _FusedMatMul): 'linear' or 'relu'.
 * @param activation - The kernel's activation attribute (undefined = linear).
 * @param kernel - Kernel name for the error message.
 */
export function fusedActivation(activation: string | undefined, kernel: string): 'linear' | 'relu' {
  const a = activation ?? 'linear';
  if (a !== 'linear' && a !== 'relu') throw new Error(`twinml ${kernel} gradient: activation '${a}' is not supported; use 'linear' or 'relu'`);
  return a;
}

/** Makes Relu's gradient use reluBackward (call after tfjs's gradients are registered; idempotent). */
export function registerReluGradient(): void {
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => reluBackward(dy as tf.Tensor, saved[0]!) }),
  });
}
