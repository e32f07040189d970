/**
 * Sum for the wasm backend with a SIMD fast path for the reduction every bias gradient makes: summing an NHWC
 * (or [rows, C]) float32 tensor over all leading axes, C a multiple of 4. The backend's own Sum first transposes
 * the reduced axes innermost (a full copy through its generic transpose); the column sum reads the tensor once
 * in place (simd/kernel-functions.ts). Every other reduction runs the backend's kernel.
 */
import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';
import { heapOffset, simdKernelsFor } from './simd/simd-kernels.js';

interface SumAttrs {
  axis: number | number[];
  keepDims?: boolean;
}

/** True when `axis` names exactly the axes 0 .. rank-2 (any order, negative allowed). */
function reducesLeadingAxes(axis: number | number[], rank: number): boolean {
  const axes = util.parseAxisParam(axis, Array.from({ length: rank }, () => 1));
  if (axes.length !== rank - 1) return false;
  const sorted = [...axes].sort((a, b) => a - b);
  return sorted.every((a, i) => a === i);
}

/**
 * Wraps the wasm backend's Sum with the column-sum fast path.
 * @param original - the backend's Sum kernel config
 */
export function makeWasmColumnSum(original: KernelConfig): KernelConfig {
  const fallback = original.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    const c = x.shape[rank - 1] ?? 0;
    if (x.dtype !== 'float32' || rank < 2 || c % 4 !== 0 || c === 0 || !reducesLeadingAxes(axis, rank)) return fallback(args);
    const simd = simdKernelsFor(args.backend);
    if (!simd) return fallback(args);
    const rows = util.sizeFromShape(x.shape) / c;
    const heap = args.backend as unknown as HeapBackend;
    const out = heap.makeOutput(keepDims ? [...Array<number>(rank - 1).fill(1), c] : [c], 'float32');
    simd.columnSum(heapOffset(args.backend, x), heapOffset(args.backend, out), rows, c);
    return out;
  };
  return { ...original, kernelFunc };
}
