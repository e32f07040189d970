/**
 * A Linear layer's product with PyTorch's [out, in] weight, y = activation(x · Wᵀ + b). The weight is read
 * transposed in place by the GEMM (transposeB), never copied to another layout: on wasm, twinml's SIMD
 * _FusedMatMul packs Wᵀ's column panels straight from [out, in] and applies bias and ReLU as it stores the result;
 * the gradients are dx = g · W (an untransposed product) and dW = gᵀ · x (transposeA), both in W's layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_MATMUL, registerFusedMatMulGradient } from './fused-matmul-grad.js';
import type { FusedActivation } from './conv2d-nhwc.js';

/** A kernel config that twinml registered (marked so that callers can ask the registry which one they get). */
export type TwinmlKernelConfig = tf.KernelConfig & { twinml?: boolean };

/**
 * Whether the active backend's _FusedMatMul is twinml's (wasm: the SIMD GEMM with bias and ReLU in its store, which
 * handles transposed operands itself), so that a Linear with its bias and ReLU runs as one kernel. Elsewhere the
 * product, bias add and ReLU stay separate tfjs ops, which also keeps the cpu backend an independent reference in
 * the kernel coverage test.
 */
export function fusesLinear(): boolean {
  const kernel = tf.getKernel(FUSED_MATMUL, tf.getBackend()) as TwinmlKernelConfig | undefined;
  return kernel?.twinml === true;
}

/**
 * activation(x · weightᵀ + bias), differentiable with respect to all three.
 * @param x - [M, in]
 * @param weight - [out, in] (PyTorch's layout)
 * @param bias - [out], or null
 * @param activation - 'linear' or 'relu'
 */
export function linearProduct(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | null, activation: FusedActivation = 'linear'): tf.Tensor2D {
  if (fusesLinear() && (bias !== null || activation !== 'linear')) {
    registerFusedMatMulGradient();
    const inputs: tf.NamedTensorMap = bias ? { a: x, b: weight, bias } : { a: x, b: weight };
    const attrs = { transposeA: false, transposeB: true, activation, leakyreluAlpha: 0 };
    return tf.engine().runKernel(FUSED_MATMUL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    let y: tf.Tensor2D = tf.matMul(x, weight, false, true);
    if (bias) y = tf.add(y, bias);
    return activation === 'relu' ? tf.relu(y) : y;
  });
}
