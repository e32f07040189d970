/**
 * MaxPoolGrad for the wasm backend as one pass over the wasm heap: for every output position, find the first
 * maximum of its window (strict >, like the cpu backend and PyTorch) for all channels at once and add dy there.
 * The backend's own kernel revisits every window for every input position.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, TypedArray } from '@tensorflow/tfjs-core';

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
  const best = new Float32Array(ch);
  const where = new Int32Array(ch);
  for (let b = 0; b < batchSize; b++) {
    const xBase = b * inHeight * inWidth * ch;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * strideWidth - left;
        best.fill(-Infinity);
        where.fill(-1);
        for (let i = 0; i < fh; i += dh) {
          const h = h0 + i;
          if (h < 0 || h >= inHeight) continue;
          for (let j = 0; j < fw; j += dw) {
            const w = w0 + j;
            if (w < 0 || w >= inWidth) continue;
            const base = xBase + (h * inWidth + w) * ch;
            for (let k = 0; k < ch; k++) {
              const v = x[base + k]!;
              if (v > best[k]!) {
                best[k] = v;
                where[k] = base + k;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * ch;
        for (let k = 0; k < ch; k++) {
          const at = where[k]!;
          if (at >= 0) dx[at] += dy[dyBase + k]!;
        }
      }
    }
  }
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
    // Views are taken after the allocation (it may grow and detach the heap).
    const dxValues = heap.typedArrayFromHeap(dx) as Float32Array;
    dxValues.fill(0);
    maxPoolGradNHWC(heap.typedArrayFromHeap(input) as Float32Array, heap.typedArrayFromHeap(dy) as Float32Array, dxValues, info);
    return dx;
  }) as KernelFunc,
};
