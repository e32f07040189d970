/**
 * Slice and Unpack for the wasm backend without the whole-input copy: the backend's own kernels read their input
 * with `readSync`, which copies ALL of it out of the heap for every slice, so `tf.unstack` of a [T, ...] tensor
 * (T slices) costs O(T^2) (43 ms for [32, 16, 256], which the recurrent modules unstack every layer and
 * direction, forward and backward). These read a heap view instead: a contiguous slice is one `set` from a
 * subarray, a strided slice one `set` per contiguous run, SplitV the same per piece, and Unpack along axis 0 is
 * T slices. Other cases (strings, Unpack along other axes) run the backend's kernels.
 */
import { backend_util, slice_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';

const NUMERIC = new Set(['float32', 'int32', 'bool']);

/** Runs shorter than this are copied element by element (a subarray per run costs more than a short loop). */
const SHORT_RUN = 16;

/**
 * Copies the block x[begin : begin + size] into `out` (already allocated, x's dtype) through heap views: the
 * trailing axes the block spans whole form contiguous runs, one `set` each (a GPT's q/k/v split of [B, T, 3C] into
 * three [B, T, C]: B·T runs of C floats).
 */
function copyBlock(heap: HeapBackend, x: TensorInfo, begin: number[], size: number[], out: TensorInfo): void {
  const rank = x.shape.length;
  const strides = util.computeStrides(x.shape);
  // The run: axes from `inner` on are whole (except `inner - 1`, whose size[.] elements are contiguous too).
  let inner = rank;
  while (inner > 0 && size[inner - 1] === x.shape[inner - 1]) inner--;
  const runAxis = Math.max(inner - 1, 0);
  const run = util.sizeFromShape(size.slice(runAxis));
  const outerShape = size.slice(0, runAxis);
  const runs = util.sizeFromShape(outerShape);
  const src = heap.typedArrayFromHeap(x);
  const dst = heap.typedArrayFromHeap(out);
  const index = new Array<number>(runAxis).fill(0);
  for (let r = 0; r < runs; r++) {
    let from = rank > 0 ? begin[runAxis]! * (strides[runAxis] ?? 1) : 0;
    for (let d = 0; d < runAxis; d++) from += (begin[d]! + index[d]!) * strides[d]!;
    const to = r * run;
    if (run < SHORT_RUN) for (let i = 0; i < run; i++) dst[to + i] = src[from + i]!;
    else dst.set(src.subarray(from, from + run), to);
    for (let d = runAxis - 1; d >= 0; d--) {
      if (++index[d]! < outerShape[d]!) break;
      index[d] = 0;
    }
  }
}

/**
 * Wraps the backend's Slice with the contiguous heap-view path.
 * @param original - the backend's Slice kernel config
 */
export function makeWasmContiguousSlice(original: KernelConfig): KernelConfig {
  const fallback = original.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (!NUMERIC.has(x.dtype)) return fallback(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = slice_util.parseSliceParams(x as unknown as Parameters<typeof slice_util.parseSliceParams>[0], begin, size);
    const heap = args.backend as unknown as HeapBackend;
    const out = heap.makeOutput(size_, x.dtype as 'float32');
    if (util.sizeFromShape(size_) > 0) copyBlock(heap, x, begin_, size_, out);
    return out;
  };
  return { ...original, kernelFunc };
}

/**
 * SplitV for the wasm backend on heap views (tfjs-wasm's slices its input once per piece, each slice copying ALL
 * of the input out of the heap: 15 ms to split a [32, 64, 384] q/k/v projection).
 * @param original - the backend's SplitV kernel config (kept for strings)
 */
export function makeWasmSplitV(original: KernelConfig): KernelConfig {
  const fallback = original.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (!NUMERIC.has(x.dtype)) return fallback(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const at = util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x as unknown as Parameters<typeof backend_util.prepareSplitSize>[0], numOrSizeSplits, at);
    const heap = args.backend as unknown as HeapBackend;
    // Every output first: an allocation may grow (and move) the heap, so the views are taken after.
    const outs = sizes.map((s) => heap.makeOutput(x.shape.map((d, i) => (i === at ? s : d)), x.dtype as 'float32'));
    const begin = new Array<number>(x.shape.length).fill(0);
    outs.forEach((out, i) => {
      if (util.sizeFromShape(out.shape) > 0) copyBlock(heap, x, begin, out.shape, out);
      begin[at]! += sizes[i]!;
    });
    return outs;
  };
  return { ...original, kernelFunc };
}

/**
 * Wraps the backend's Unpack with the axis-0 heap-view path.
 * @param original - the backend's Unpack kernel config
 */
export function makeWasmUnpackAxis0(original: KernelConfig): KernelConfig {
  const fallback = original.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { value } = args.inputs as { value: TensorInfo };
    const { axis } = args.attrs as unknown as { axis: number };
    if (!NUMERIC.has(value.dtype) || (axis !== 0 && axis !== -value.shape.length)) return fallback(args);
    const heap = args.backend as unknown as HeapBackend;
    const outShape = value.shape.slice(1);
    const n = util.sizeFromShape(outShape);
    const outs: TensorInfo[] = [];
    for (let i = 0; i < value.shape[0]!; i++) {
      const out = heap.makeOutput(outShape, value.dtype as 'float32');
      // The input view is taken again after each makeOutput: an allocation may grow (and move) the heap.
      heap.typedArrayFromHeap(out).set(heap.typedArrayFromHeap(value).subarray(i * n, (i + 1) * n));
      outs.push(out);
    }
    return outs;
  };
  return { ...original, kernelFunc };
}
