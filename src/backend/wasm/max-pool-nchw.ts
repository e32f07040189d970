/**
 * 2x2, stride-2, unpadded max pooling on PyTorch's NCHW activations for the wasm backend (tfjs-wasm's pooling is
 * NHWC-only, so F.max_pool2d transposed in and out). Each channel is a plane: the SIMD kernels
 * (simd/planar-pool-functions.ts) take four windows per step from two rows of a plane.
 * - `TwinmlMaxPool2x2NCHW` {x [N, C, H, W]} -> [N, C, floor(H/2), floor(W/2)]
 * - `TwinmlMaxPool2x2NCHWGrad` {x, dy} -> dx [N, C, H, W]: dy at each window's first maximum
 * Selection: the first maximum in row-major tap order (strict >, from -inf), as the wasm MaxPoolGrad. Without
 * WebAssembly SIMD both run the backend's MaxPool / MaxPoolGrad on the [N·C, H, W, 1] view of the same data.
 */
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';
import type { HeapBackend } from './max-pool-grad.js';
import { heapOffset, simdKernelsFor } from './simd/simd-kernels.js';

/** Kernel name: 2x2 stride-2 max pooling on NCHW. */
export const TWINML_MAX_POOL_2X2_NCHW = 'TwinmlMaxPool2x2NCHW';
/** Kernel name: its gradient. */
export const TWINML_MAX_POOL_2X2_NCHW_GRAD = 'TwinmlMaxPool2x2NCHWGrad';

function dims(x: TensorInfo): { planes: number; h: number; w: number; ho: number; wo: number } {
  if (x.shape.length !== 4) throw new Error(`twinml ${TWINML_MAX_POOL_2X2_NCHW}: expected [N, C, H, W], got [${x.shape.join(', ')}]`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const ho = Math.floor(h / 2);
  const wo = Math.floor(w / 2);
  if (ho < 1 || wo < 1) throw new Error(`twinml ${TWINML_MAX_POOL_2X2_NCHW}: input ${h}x${w} is smaller than the 2x2 window`);
  return { planes: n * c, h, w, ho, wo };
}

const POOL_ATTRS = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' } as unknown as NamedAttrMap;

const forward: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  const { planes, h, w, ho, wo } = dims(x);
  const outShape = [x.shape[0]!, x.shape[1]!, ho, wo];
  const simd = simdKernelsFor(backend);
  if (!simd) {
    const c = new KernelComposer(backend as KernelBackend, 'wasm');
    const y = c.run('MaxPool', { x: c.reshape(x, [planes, h, w, 1]) }, POOL_ATTRS);
    return c.finish(c.reshape(y, outShape));
  }
  const y = (backend as unknown as HeapBackend).makeOutput(outShape, 'float32');
  simd.maxPool2x2Planar(heapOffset(backend, x), heapOffset(backend, y), 0, planes, wo, ho, h, w);
  return y;
};

const grad: KernelFunc = ({ inputs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { planes, h, w, ho, wo } = dims(x);
  if (dy.shape.join() !== [x.shape[0], x.shape[1], ho, wo].join()) {
    throw new Error(`twinml ${TWINML_MAX_POOL_2X2_NCHW_GRAD}: dy [${dy.shape.join(', ')}] does not match input [${x.shape.join(', ')}]`);
  }
  const simd = simdKernelsFor(backend);
  if (!simd) {
    const c = new KernelComposer(backend as KernelBackend, 'wasm');
    const x1 = c.reshape(x, [planes, h, w, 1]);
    const dy1 = c.reshape(dy, [planes, ho, wo, 1]);
    const dx = c.run('MaxPoolGrad', { dy: dy1, input: x1, output: dy1 }, POOL_ATTRS);
    return c.finish(c.reshape(dx, x.shape));
  }
  const heap = backend as unknown as HeapBackend;
  const dx = heap.makeOutput(x.shape, 'float32');
  // an odd last row or column lies in no window and stays zero
  if (h !== 2 * ho || w !== 2 * wo) (heap.typedArrayFromHeap(dx) as Float32Array).fill(0);
  simd.maxPool2x2PlanarGrad(heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dx), planes, wo, ho, h, w);
  return dx;
};

/** The NCHW max-pooling kernels for the wasm backend (listed by register.ts). */
export function maxPoolNCHWKernels(): KernelConfig[] {
  return [
    { kernelName: TWINML_MAX_POOL_2X2_NCHW, backendName: 'wasm', kernelFunc: forward },
    { kernelName: TWINML_MAX_POOL_2X2_NCHW_GRAD, backendName: 'wasm', kernelFunc: grad },
  ];
}
