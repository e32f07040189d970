/**
 * MaxPoolGrad for the wasm backend as one pass over the wasm heap: for every output position, find the first
 * maximum of its window (strict >, like the cpu backend and PyTorch) and add dy there; windows that tile the
 * input (kernel == stride, no padding: the usual 2x2 pooling) address their taps directly. The backend's own
 * kernel revisits every window for every input position; composing ArgMax/OneHot with transposes measured 2x
 * slower than this pass. The usual 2x2 stride-2 pooling over an even-sized input with a multiple of 4
 * channels runs as SIMD code on the heap (simd/kernel-functions.ts), several times faster than the JS pass.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, TypedArray } from '@tensorflow/tfjs-core';
import { heapOffset, simdKernelsFor } from './simd/simd-kernels.js';

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
/**
 * maxPoolGradNHWC for windows that tile the input (kernel == stride, no padding): dx[first max] = dy, with
 * the window taps addressed directly. dx must be zero-filled.
 */
export function tiledMaxPoolGradNHWC(x: Float32Array, dy: Float32Array, dx: Float32Array, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ch, outHeight, outWidth, filterHeight: kh, filterWidth: kw } = info;
  const rowStride = inWidth * ch;
  let dyAt = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowBase = (b * inHeight + oh * kh) * rowStride;
      for (let ow = 0; ow < outWidth; ow++, dyAt += ch) {
        const windowBase = rowBase + ow * kw * ch;
        for (let k = 0; k < ch; k++) {
          let at = -1;
          let best = -Infinity;
          for (let i = 0; i < kh; i++) {
            const tapRow = windowBase + i * rowStride + k;
            for (let j = 0; j < kw; j++) {
              const p = tapRow + j * ch;
              const v = x[p]!;
              if (v > best) {
                best = v;
                at = p;
              }
            }
          }
          // Like the cpu backend: NaN never wins, and a window without a value above -inf passes nothing on.
          if (at >= 0) dx[at] = dy[dyAt + k]!;
        }
      }
    }
  }
}

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

/** 2x2 windows, stride 2, no padding, channels a multiple of 4 (the SIMD path). */
function isSimd2x2(info: backend_util.Conv2DInfo): boolean {
  return isTiling(info) && info.filterHeight === 2 && info.filterWidth === 2 && info.inChannels % 4 === 0;
}

export const wasmMaxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const a = attrs as unknown as MaxPoolGradAttrs;
    const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const heap = backend as unknown as HeapBackend;
    const dx = heap.makeOutput(input.shape, 'float32');
    const simd = isSimd2x2(info) ? simdKernelsFor(backend) : null;
    if (simd) {
      // an odd last row or column lies in no window and stays zero
      if (info.inHeight !== 2 * info.outHeight || info.inWidth !== 2 * info.outWidth) (heap.typedArrayFromHeap(dx) as Float32Array).fill(0);
      const rows = info.batchSize * info.outHeight;
      simd.maxPool2x2Grad(heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, dx), rows, info.outWidth, info.inChannels, info.outHeight, info.inHeight, info.inWidth);
      return dx;
    }
    // Views are taken after the allocation (it may grow and detach the heap).
    const dxValues = heap.typedArrayFromHeap(dx) as Float32Array;
    dxValues.fill(0);
    const pass = isTiling(info) ? tiledMaxPoolGradNHWC : maxPoolGradNHWC;
    pass(heap.typedArrayFromHeap(input) as Float32Array, heap.typedArrayFromHeap(dy) as Float32Array, dxValues, info);
    return dx;
  }) as KernelFunc,
};
