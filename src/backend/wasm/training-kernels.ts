/**
 * The wasm kernels that make training steps of dense models fast (listed by register.ts): the SIMD GEMM
 * BatchMatMul and _FusedMatMul (a Linear's bias and ReLU in the GEMM's store), fused optimizer updates, a fused softmax cross-entropy, and an Identity that shares data
 * instead of copying it.
 * docs/performance-wasm.md has the measurements behind each.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { softmaxCrossEntropyKernels } from './cross-entropy-kernel.js';
import { makeSharingIdentity } from './identity-share.js';
import { optimizerKernels } from './optimizer-kernels.js';
import { simdBatchMatMulConfigs } from './simd-matmul.js';
import { simdFusedMatMulConfigs } from './simd-fused-matmul.js';

export function denseTrainingKernels(): KernelConfig[] {
  return [
    ...simdBatchMatMulConfigs(),
    ...simdFusedMatMulConfigs(),
    ...optimizerKernels('wasm'),
    ...softmaxCrossEntropyKernels('wasm'),
    makeSharingIdentity(tf.getKernel('Identity', 'wasm')),
  ];
}
