/**
 * MaxPoolGrad for the wasm backend. Non-overlapping unpadded windows (kernel == stride, the usual 2x2 pooling)
 * run as SIMD kernels: windows moved to the last axis, ArgMax (first maximum, like the cpu backend and PyTorch),
 * OneHot times dy, moved back. Other geometries run one pass over the wasm heap that finds each window's first
 * maximum and adds dy there. The backend's own kernel revisits every window for every input position.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo, TypedArray } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';

/** The parts of the wasm backend this kernel uses. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): TypedArray;
}

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: backend_util.ExplicitPadding | 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * dx[argmax of each window] += dy, NHWC.
 * @param x - the forward input
 * @param dy - the output gradient
 * @param dx - zero-filled, same shape as x
 * @param info - pooling geometry
 */
export function maxPoolGradNHWC(x: Float32Array, dy: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  // Offsets of the in-bounds taps of the current window, in window order (row-major, like the cpu backend).
  const taps = new Int32Array(Math.ceil(fh / dh) * Math.ceil(fw / dw));
  let dyAt = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBase = b * inHeight * inWidth * ch;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++, dyAt += ch) {
        const w0 = ow * strideWidth - left;
        let count = 0;
        for (let i = 0; i < fh; i += dh) {
          const h = h0 + i;
          if (h < 0 || h >= inHeight) continue;
          for (let j = 0; j < fw; j += dw) {
            const w = w0 + j;
            if (w >= 0 && w < inWidth) taps[count++] = xBase + (h * inWidth + w) * ch;
          }
        }
        for (let k = 0; k < ch; k++) {
          let best = -Infinity;
          let at = -1;
          for (let t = 0; t < count; t++) {
            const v = x[taps[t]! + k]!;
            if (v > best) {
              best = v;
              at = taps[t]! + k;
            }
          }
          if (at >= 0) dx[at] += dy[dyAt + k]!;
        }
      }
    }
  }
}

/** Windows tile the input: kernel == stride, no padding, no dilation. */
function isTiling(info: backend_util.Conv2DInfo): boolean {
  const p = info.padInfo;
  return (
    info.filterHeight === info.strideHeight &&
    info.filterWidth === info.strideWidth &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    p.top === 0 &&
    p.left === 0 &&
    info.outHeight * info.strideHeight <= info.inHeight &&
    info.outWidth * info.strideWidth <= info.inWidth
  );
}

/** MaxPoolGrad of tiling windows with the backend's SIMD kernels (see the file comment). */
export function tiledMaxPoolGrad(c: KernelComposer, input: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ch, outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw } = info;
  const used = ho * kh < h || wo * kw < w ? c.run('Slice', { x: input }, { begin: [0, 0, 0, 0], size: [n, ho * kh, wo * kw, ch] }) : input;
  const windows = c.transpose(c.reshape(used, [n * ho, kh, wo, kw, ch]), [0, 2, 4, 1, 3]); // [n*ho, wo, ch, kh, kw]
  const positions = n * ho * wo * ch;
  const argmax = c.run('ArgMax', { x: c.reshape(windows, [positions, kh * kw]) }, { axis: 1 });
  // wasm's OneHot writes int32 whatever dtype it is given
  const oneHot = c.run('Cast', { x: c.run('OneHot', { indices: argmax }, { depth: kh * kw, onValue: 1, offValue: 0, dtype: 'int32' }) }, { dtype: 'float32' });
  const routed = c.run('Multiply', { a: oneHot, b: c.reshape(dy, [positions, 1]) });
  const back = c.transpose(c.reshape(routed, [n * ho, wo, ch, kh, kw]), [0, 3, 1, 4, 2]); // [n*ho, kh, wo, kw, ch]
  const dx = c.reshape(back, [n, ho * kh, wo * kw, ch]);
  if (ho * kh === h && wo * kw === w) return dx;
  return c.run('PadV2', { x: dx }, { paddings: [[0, 0], [0, h - ho * kh], [0, w - wo * kw], [0, 0]], constantValue: 0 });
}

export const wasmMaxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const a = attrs as unknown as MaxPoolGradAttrs;
    const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    if (isTiling(info)) {
      const c = new KernelComposer(backend as KernelBackend, 'wasm');
      return c.finish(tiledMaxPoolGrad(c, input, dy, info));
    }
    const heap = backend as unknown as HeapBackend;
    const dx = heap.makeOutput(input.shape, 'float32');
    // Views are taken after the allocation (it may grow and detach the heap).
    const dxValues = heap.typedArrayFromHeap(dx) as Float32Array;
    dxValues.fill(0);
    maxPoolGradNHWC(heap.typedArrayFromHeap(input) as Float32Array, heap.typedArrayFromHeap(dy) as Float32Array, dxValues, info);
    return dx;
  }) as KernelFunc,
};
