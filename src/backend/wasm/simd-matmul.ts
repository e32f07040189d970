/**
 * BatchMatMul for the wasm backend on twinml's SIMD GEMM (gemm-simd.ts) for single matrices (batch 1), the
 * shape of every Linear layer's forward and gradient products. tfjs-backend-wasm 4.22 re-creates an XNNPACK
 * fully-connected operator (re-packing B) whenever B is a new tensor, which in training is every call; this
 * kernel reads both operands in place, transposed or not. Batched products, non-float32 inputs and shapes
 * whose M is not a multiple of 4 or N not a multiple of 8 (the last layer's 10 classes) go to the previous
 * BatchMatMul kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { broadcast_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { gemmPackBytes, gemmSimd } from './gemm-simd.js';
import { asWasmMemory } from './wasm-emit.js';

interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm?: { asm?: { memory?: unknown } };
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  disposeData(dataId: object): void;
}

const size = (shape: number[]) => shape.reduce((x, y) => x * y, 1);

/**
 * @param fallback - the BatchMatMul kernel used for everything this one does not cover
 */
export function makeSimdBatchMatMul(fallback: KernelConfig): KernelConfig {
  const fallbackFunc = fallback.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA = false, transposeB = false } = (attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    const ra = a.shape.length;
    const rb = b.shape.length;
    const internals = backend as unknown as WasmBackendInternals;
    const memory = asWasmMemory(internals.wasm?.asm?.memory);
    const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    const kB = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const single = size(a.shape.slice(0, -2)) === 1 && size(b.shape.slice(0, -2)) === 1;
    if (!memory || a.dtype !== 'float32' || b.dtype !== 'float32' || !single || k !== kB || k < 1 || m % 4 !== 0 || n % 8 !== 0) {
      return fallbackFunc(args);
    }
    const gemm = gemmSimd(memory, { m, n, k, transposeA, transposeB });
    if (!gemm) return fallbackFunc(args);
    const outShape = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)).concat([m, n]);
    const out = internals.makeOutput(outShape, 'float32');
    const at = (t: TensorInfo) => internals.dataIdMap.get(t.dataId)!.memoryOffset;
    const pack = internals.makeOutput([gemmPackBytes(k) / 4], 'float32');
    gemm(at(a), at(b), at(out), at(pack));
    internals.disposeData(pack.dataId);
    return out;
  };
  const config: KernelConfig & { twinmlFast: boolean } = { ...fallback, kernelFunc, twinmlFast: true };
  return config;
}

/** The SIMD BatchMatMul over the currently registered wasm BatchMatMul (its fallback), or nothing without one. */
export function simdBatchMatMulConfigs(): KernelConfig[] {
  const current = tf.getKernel('BatchMatMul', 'wasm');
  return current ? [makeSimdBatchMatMul(current)] : [];
}
