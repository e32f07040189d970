/**
 * BatchMatMul for the wasm backend on twinml's SIMD GEMM (gemm-simd.ts): single matrices (batch 1, the shape of
 * every Linear layer's forward and gradient products) and batches of matrices (attention's q·kᵀ and weights·v
 * [N, H, L, S] and their gradients), one GEMM call per matrix of the batch; a side with batch 1 is broadcast. tfjs-backend-wasm 4.22 re-creates an XNNPACK
 * fully-connected operator (re-packing B) whenever B is a new tensor, which in training is every call; this
 * kernel reads both operands in place, transposed or not. Batch shapes that broadcast otherwise than "equal or
 * one side 1", non-float32 inputs and shapes whose M is not a multiple of 4 go to the previous BatchMatMul kernel (N need not be a multiple of 8 since
 * session 3: the last layer's 10 classes ran on XNNPACK before).
 */
import * as tf from '@tensorflow/tfjs-core';
import { broadcast_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { gemmPackBytes, gemmSimd, repacksTransposedA } from './gemm-simd.js';
import { backendMemory } from './wasm-emit.js';
import { heapOffset } from './simd/simd-kernels.js';

interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  disposeData(dataId: object): void;
}

const size = (shape: number[]) => shape.reduce((x, y) => x * y, 1);

let batched = true;

/**
 * Turns the batched products on or off (on by default); off, batches go to the fallback kernel as before the
 * batched GEMM existed. For benchmarks that measure the difference in one process (bench/sequence-kernels.mjs).
 * @param enabled - whether batch sizes above 1 run on the SIMD GEMM
 */
export function setBatchedSimdGemm(enabled: boolean): void {
  batched = enabled;
}

/** What the GEMM adds after the product: a bias [N] (a tensor on the heap) and/or ReLU. */
export interface GemmEpilogue {
  bias: TensorInfo | null;
  relu: boolean;
}

/**
 * C = op(a)·op(b) (+ bias, then ReLU) on twinml's SIMD GEMM, or null when the shape, dtype or backend is not
 * covered (float32, M % 4 == 0, batch shapes equal or one side's batch 1, a float32 bias of N values); the
 * caller then runs its fallback kernel.
 * @param backend - the wasm backend
 * @param a - [.., M, K], or [.., K, M] with transposeA
 * @param b - [.., K, N], or [.., N, K] with transposeB
 * @param transposeA - a is stored transposed
 * @param transposeB - b is stored transposed
 * @param epilogue - bias and ReLU applied in the GEMM's store (default none)
 */
export function simdGemm(
  backend: unknown,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  epilogue: GemmEpilogue = { bias: null, relu: false },
): TensorInfo | null {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const internals = backend as WasmBackendInternals;
  const memory = backendMemory(backend);
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const kB = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const batchA = size(a.shape.slice(0, -2));
  const batchB = size(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const sameBatch = batchA === batchB && (batchA === 1 || (ra === rb && a.shape.slice(0, -2).every((d, i) => d === b.shape[i])));
  const batchOk = (sameBatch || batchA === 1 || batchB === 1) && (batched || batch === 1);
  const { bias, relu } = epilogue;
  const biasOk = bias === null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === n);
  if (!memory || a.dtype !== 'float32' || b.dtype !== 'float32' || !batchOk || !biasOk || k !== kB || k < 1 || n < 1 || m % 4 !== 0) {
    return null;
  }
  // A deep product whose K rows are rows of both stored operands (A given [K, M], B [K, N]: a weight gradient
  // dYᵀ·X over many tokens) runs as K_CHUNK-deep slices accumulated into C, so each slice's panels of A and B
  // stay in L1 while the 4x8 block walks them.
  const chunk = transposeA && !transposeB && bias === null && !relu && k > 2 * K_CHUNK ? K_CHUNK : k;
  const chunks = Math.ceil(k / chunk);
  const repackA = transposeA && repacksTransposedA(m, k);
  const gemms = [...new Set([0, chunks - 1])].map((c) => {
    const depth = Math.min(chunk, k - c * chunk);
    return { first: gemmSimd(memory, { m, n, k: depth, transposeA, repackA, transposeB, bias: bias !== null, relu }), rest: chunks > 1 ? gemmSimd(memory, { m, n, k: depth, transposeA, repackA, transposeB, accumulate: true }) : null, depth };
  });
  if (gemms.some((g) => !g.first || (chunks > 1 && !g.rest))) return null;
  const outShape = broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)).concat([m, n]);
  const out = internals.makeOutput(outShape, 'float32');
  const at = (t: TensorInfo) => heapOffset(internals, t);
  const pack = internals.makeOutput([gemmPackBytes({ m, k: chunk, transposeA, repackA }) / 4], 'float32');
  const [offA, offB, offC, offPack, offBias] = [at(a), at(b), at(out), at(pack), bias ? at(bias) : 0];
  const strideA = batchA === 1 ? 0 : m * k * 4;
  const strideB = batchB === 1 ? 0 : k * n * 4;
  for (let i = 0; i < batch; i++) {
    for (let c = 0; c < chunks; c++) {
      const g = gemms[c === chunks - 1 ? gemms.length - 1 : 0]!;
      const gemm = (c === 0 ? g.first : g.rest)!;
      // Chunk c is rows c·chunk.. of A [K, M] and of B [K, N].
      gemm(offA + i * strideA + c * chunk * m * 4, offB + i * strideB + c * chunk * n * 4, offC + i * m * n * 4, offPack, offBias, 0, 0, 0);
    }
  }
  internals.disposeData(pack.dataId);
  return out;
}

/** Depth of the K slices of a transposed-A product (see simdGemm). */
const K_CHUNK = 256;

/**
 * @param fallback - the BatchMatMul kernel used for everything this one does not cover
 */
export function makeSimdBatchMatMul(fallback: KernelConfig): KernelConfig {
  const fallbackFunc = fallback.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA = false, transposeB = false } = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    return simdGemm(args.backend, a, b, transposeA, transposeB) ?? fallbackFunc(args);
  };
  const config: KernelConfig & { twinmlFast: boolean } = { ...fallback, kernelFunc, twinmlFast: true };
  return config;
}

/** The SIMD BatchMatMul over the currently registered wasm BatchMatMul (its fallback), or nothing without one. */
export function simdBatchMatMulConfigs(): KernelConfig[] {
  const current = tf.getKernel('BatchMatMul', 'wasm');
  return current ? [makeSimdBatchMatMul(current)] : [];
}
