/**
 * Slice and Unpack for the wasm backend without the whole-input copy: the backend's own kernels read their input
 * with `readSync`, which copies ALL of it out of the heap for every slice, so `tf.unstack` of a [T, ...] tensor
 * (T slices) costs O(T^2) (43 ms for [32, 16, 256], which the recurrent modules unstack every layer and
 * direction, forward and backward). These read a heap view instead: a contiguous slice is one `set` from a
 * subarray, and Unpack along axis 0 is T of them. Other cases (strings, strided slices, other axes) run the
 * backend's kernels.
 */
import { slice_util, util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';

const NUMERIC = new Set(['float32', 'int32', 'bool']);

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
    if (!slice_util.isSliceContinous(x.shape, begin_, size_)) return fallback(args);
    const heap = args.backend as unknown as HeapBackend;
    const offset = slice_util.computeFlatOffset(begin_, util.computeStrides(x.shape));
    const out = heap.makeOutput(size_, x.dtype as 'float32');
    const n = util.sizeFromShape(size_);
    heap.typedArrayFromHeap(out).set(heap.typedArrayFromHeap(x).subarray(offset, offset + n));
    return out;
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
