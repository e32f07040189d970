/**
 * _FusedMatMul (matmul + bias + activation, what a Linear layer with a following ReLU computes) for the wasm
 * backend on twinml's SIMD GEMM: bias and ReLU are applied to the accumulators before they are stored, so a
 * fused Linear + ReLU is one pass over its output where the unfused layer ran BatchMatMul, Add and Relu.
 * Covered: float32, batch 1 (rank 2 or 3), bias null or [N], activation 'linear' or 'relu' (any M: the last M % 4 rows run as a padded block).
 * Other shapes with transposed operands run BatchMatMul, Add and Relu; everything else the previous
 * _FusedMatMul (tfjs-wasm's XNNPACK kernel, which takes rank-3 operands only: see `withRank2Operands`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';
import { simdGemm } from './simd-matmul.js';

interface FusedMatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
}

const asRank3 = (t: TensorInfo): TensorInfo => (t.shape.length === 2 ? { ...t, shape: [1, ...t.shape] } : t);

/**
 * tfjs-wasm's _FusedMatMul (XNNPACK), which reads operand shapes as rank 3, made to take rank-2 operands too
 * (passed on as [1, rows, cols] views of the same data; the result comes back as [M, N]).
 * @param original - tfjs-wasm's _FusedMatMul kernel
 */
export function withRank2Operands(original: KernelConfig): KernelConfig {
  const originalFunc = original.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (a.shape.length !== 2 || b.shape.length !== 2) return originalFunc(args);
    const out = originalFunc({ ...args, inputs: { ...args.inputs, a: asRank3(a), b: asRank3(b) } }) as TensorInfo;
    return { ...out, shape: out.shape.slice(1) };
  };
  return { ...original, kernelFunc };
}

/**
 * @param fallback - tfjs-wasm's _FusedMatMul, used for everything this one does not cover
 */
export function makeSimdFusedMatMul(fallback: KernelConfig): KernelConfig {
  const fallbackFunc = withRank2Operands(fallback).kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const { transposeA = false, transposeB = false, activation = 'linear' } = (args.attrs ?? {}) as FusedMatMulAttrs;
    if ((activation === 'linear' || activation === 'relu') && !preluActivationWeights) {
      const out = simdGemm(args.backend, a, b, transposeA, transposeB, { bias: bias ?? null, relu: activation === 'relu' });
      if (out) return out;
      if (transposeB && !transposeA) {
        // A Linear's x · Wᵀ with W [out, in] on a shape the SIMD GEMM leaves out (M % 4 != 0): W transposed to
        // [in, out] here, then tfjs-wasm's XNNPACK kernel untransposed (bias in its accumulators, as before
        // weights were stored [out, in]). Passing transposeB to XNNPACK is not an option: see below.
        const c = new KernelComposer(args.backend as KernelBackend, 'wasm');
        const rank = b.shape.length;
        const perm = [...Array(rank).keys()];
        [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
        const bT = c.run('Transpose', { x: b }, { perm });
        const y = fallbackFunc({ ...args, inputs: { ...args.inputs, b: bT }, attrs: { ...args.attrs, transposeB: false } }) as TensorInfo;
        return c.finish(y);
      }
      if (transposeA || transposeB) {
        // tfjs-wasm 4.22's XNNPACK kernel adds bias[i] to the i-th output element, not bias[i % N], when an operand
        // is transposed (caught by test/backend/fused-linear.test.ts).
        const c = new KernelComposer(args.backend as KernelBackend, 'wasm');
        let y = c.run('BatchMatMul', { a, b }, { transposeA, transposeB });
        if (bias) y = c.run('Add', { a: y, b: bias });
        if (activation === 'relu') y = c.run('Relu', { x: y });
        return c.finish(y);
      }
    }
    return fallbackFunc(args);
  };
  // Marked so that src/backend/linear-product.ts can tell twinml's _FusedMatMul from tfjs-wasm's.
  const config: KernelConfig & { twinml: boolean } = { ...fallback, kernelFunc, twinml: true };
  return config;
}

/** The SIMD _FusedMatMul over the currently registered wasm _FusedMatMul (its fallback), or nothing without one. */
export function simdFusedMatMulConfigs(): KernelConfig[] {
  const current = tf.getKernel('_FusedMatMul', 'wasm');
  return current ? [makeSimdFusedMatMul(current)] : [];
}
