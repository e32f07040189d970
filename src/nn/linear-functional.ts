/**
 * A Linear layer's product, bias and optional ReLU as one `_FusedMatMul` kernel (twinml's SIMD GEMM on wasm,
 * applying bias and ReLU as it stores the result), differentiated by twinml's _FusedMatMul gradient (ReLU mask
 * once, bias gradient as a column sum, input gradient only when needed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_MATMUL, registerFusedMatMulGradient } from '../backend/fused-matmul-grad.js';

/** Activations the fused Linear applies after the bias. */
export type LinearActivation = 'linear' | 'relu';

/**
 * activation(x · weight + bias) as one _FusedMatMul kernel on the active backend.
 * @param x - [M, in]
 * @param weight - [in, out] (Linear's internal layout)
 * @param bias - [out], or null for none
 * @param activation - 'linear' or 'relu'
 */
export function fusedLinear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | null, activation: LinearActivation): tf.Tensor2D {
  registerFusedMatMulGradient();
  const inputs: tf.NamedTensorMap = bias ? { a: x, b: weight, bias } : { a: x, b: weight };
  const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0 };
  return tf.engine().runKernel(FUSED_MATMUL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/**
 * Whether a Linear runs as `fusedLinear`: on the wasm backend, where it saves the separate bias and ReLU
 * kernels (and their saved-tensor copies and reshapes in the backward pass). The other backends keep
 * matMul + add (+ relu) and tfjs's gradients, which keeps the cpu backend an independent reference for the
 * fused path in the kernel coverage test.
 */
export function canFuseLinear(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(FUSED_MATMUL, 'wasm') !== undefined;
}
