/**
 * UnsortedSegmentSum for backends without it (tfjs-backend-wasm 4.22; it is the gradient of gather):
 * out[s] = sum of x[i] over segmentIds[i] == s, computed as oneHot(segmentIds)^T @ x, a GEMM.
 * Ids outside [0, numSegments) contribute nothing, as in TensorFlow.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';

export function makeUnsortedSegmentSum(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
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
