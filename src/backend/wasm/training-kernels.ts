/**
 * The wasm kernels that make training steps of dense models fast (listed by register.ts): the SIMD GEMM
 * BatchMatMul, fused optimizer updates, and an Identity that shares data instead of copying it.
 * docs/performance-wasm.md has the measurements behind each.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { makeSharingIdentity } from './identity-share.js';
import { optimizerKernels } from './optimizer-kernels.js';
import { simdBatchMatMulConfigs } from './simd-matmul.js';

export function denseTrainingKernels(): KernelConfig[] {
  return [...simdBatchMatMulConfigs(), ...optimizerKernels('wasm'), makeSharingIdentity(tf.getKernel('Identity', 'wasm'))];
}
