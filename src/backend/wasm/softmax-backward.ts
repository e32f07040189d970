/**
 * TwinmlSoftmaxBackward for the wasm backend: dx = y·(dy - Σ dy·y) over the last axis in one SIMD pass per row
 * (simd/kernel-functions.ts) when the row length is a multiple of 4; otherwise the plain loop of
 * src/backend/sequence-kernels.ts (the kernel registered for wasm before this one).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { SOFTMAX_BACKWARD } from '../sequence-kernels.js';
import type { HeapBackend } from './max-pool-grad.js';
import { heapOffset, simdKernelsFor } from './simd/simd-kernels.js';

/** The SIMD kernel over `fallback` (the loop kernel), or nothing when there is no loop kernel to fall back to. */
export function wasmSoftmaxBackwardConfigs(): KernelConfig[] {
  const fallback = tf.getKernel(SOFTMAX_BACKWARD, 'wasm');
  if (!fallback || (fallback as KernelConfig & { twinmlSimd?: boolean }).twinmlSimd) return [];
  const fallbackFunc = fallback.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { dy, y } = args.inputs as { dy: TensorInfo; y: TensorInfo };
    const c = y.shape[y.shape.length - 1] ?? 1;
    const simd = simdKernelsFor(args.backend);
    if (!simd || c % 4 !== 0 || dy.dtype !== 'float32' || y.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape)) return fallbackFunc(args);
    const out = (args.backend as unknown as HeapBackend).makeOutput(y.shape, 'float32');
    simd.softmaxBackward(heapOffset(args.backend, dy), heapOffset(args.backend, y), heapOffset(args.backend, out), tf.util.sizeFromShape(y.shape) / c, c);
    return out;
  };
  const config: KernelConfig & { twinmlSimd: boolean } = { kernelName: SOFTMAX_BACKWARD, backendName: 'wasm', kernelFunc, twinmlSimd: true };
  return [config];
}
