/**
 * UnsortedSegmentSum for backends without it (tfjs-backend-wasm 4.22; it is the gradient of gather, so of
 * Embedding): out[s] = sum of x[i] over segmentIds[i] == s. On the wasm heap with float32 values and int32 ids it
 * is one scatter-add pass (rows added in index order, O(ids·row) where the one-hot GEMM costs
 * O(ids·numSegments·row)); otherwise oneHot(segmentIds)^T @ x, a GEMM. Ids outside [0, numSegments) contribute
 * nothing, as in TensorFlow.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array;
}

/** out[ids[i]] += x[i] (rows of `row` floats), in index order; ids outside [0, segments) are skipped. */
export function scatterAddRows(x: Float32Array, ids: Int32Array, out: Float32Array, row: number, segments: number): void {
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= segments) continue;
    const from = i * row;
    const to = s * row;
    for (let j = 0; j < row; j++) out[to + j] += x[from + j]!;
  }
}

export function makeUnsortedSegmentSum(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
    const rest0 = x.shape.slice(segmentIds.shape.length);
    const heap = backend as unknown as Partial<HeapBackend>;
    if (x.dtype === 'float32' && segmentIds.dtype === 'int32' && heap.makeOutput && heap.typedArrayFromHeap) {
      const out = heap.makeOutput([numSegments, ...rest0], 'float32');
      const row = rest0.reduce((a, b) => a * b, 1);
      scatterAddRows(heap.typedArrayFromHeap(x) as Float32Array, heap.typedArrayFromHeap(segmentIds) as Int32Array, heap.typedArrayFromHeap(out) as Float32Array, row, numSegments);
      return out;
    }
    const c = new KernelComposer(backend as KernelBackend, backendName);
    const idCount = segmentIds.shape.reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(segmentIds.shape.length);
    const restSize = rest.reduce((a, b) => a * b, 1);
    const ids = segmentIds.dtype === 'int32' ? segmentIds : c.run('Cast', { x: segmentIds }, { dtype: 'int32' });
    // wasm's OneHot writes int32 whatever dtype it is given, so ask for int32 and cast.
    const oneHotInt = c.run('OneHot', { indices: c.reshape(ids, [idCount]) }, { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' });
    const oneHot = c.run('Cast', { x: oneHotInt }, { dtype: 'float32' });
    const values = x.dtype === 'float32' ? x : c.run('Cast', { x }, { dtype: 'float32' });
    const summed = c.run('BatchMatMul', { a: c.reshape(oneHot, [1, idCount, numSegments]), b: c.reshape(values, [1, idCount, restSize]) }, {
      transposeA: true,
      transposeB: false,
    });
    let out = c.reshape(summed, [numSegments, ...rest]);
    if (x.dtype !== 'float32') out = c.run('Cast', { x: out }, { dtype: x.dtype });
    return c.finish(out);
  };
  return { kernelName: 'UnsortedSegmentSum', backendName, kernelFunc };
}
