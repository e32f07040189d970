/**
 * Stride-1 convolutions on PyTorch's NCHW activations for the wasm backend, so that F.conv2d and Conv2d need no
 * activation transposes (tfjs-wasm's XNNPACK convolutions are NHWC-only). PyTorch's CPU formulation: per sample,
 * im2col of x[n] ([kh·kw·Ci, Ho·Wo], rows in (tap, channel) order, built by the SIMD tap kernels) and one SIMD
 * GEMM out[n] = W[Co, kh·kw·Ci] · columns, bias per row and ReLU applied in the GEMM's store. The filter is
 * taken as [Co, kh, kw, Ci] (OHWI: PyTorch's OIHW weight with the channel axis last, a transpose of a few
 * thousand values on the tape), so that it is the GEMM's A operand as stored.
 * - `TwinmlConv2DNCHW` {x [N, Ci, H, W], filter [Co, kh, kw, Ci], bias? [Co]} -> [N, Co, Ho, Wo]
 * - `TwinmlConv2DNCHWBackpropFilter` {x, dy [N, Co, Ho, Wo]} -> [Co, kh, kw, Ci]: the sum over samples of
 *   dy[n] · columns(x[n])ᵀ (one accumulating GEMM per sample, the columns read transposed in place).
 * The input gradient is `TwinmlConv2DNCHW` itself on dy with the flipped filter (src/backend/conv2d-nchw.ts).
 * Shapes the SIMD path does not cover (Co % 4 != 0, no WebAssembly SIMD) run tfjs's NHWC kernels between
 * transposes inside the kernel, so every shape is served.
 */
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';
import { gemmPackBytes, gemmSimd } from './gemm-simd.js';
import { backendMemory } from './wasm-emit.js';
import { heapOffset, simdKernelsFor, type SimdKernels } from './simd/simd-kernels.js';
import type { HeapBackend } from './max-pool-grad.js';
import { TWINML_CONV2D_BACKPROP_FILTER } from './conv2d-backprop.js';

/** Kernel name: stride-1 convolution (+ bias, + ReLU) on NCHW with an OHWI filter. */
export const TWINML_CONV2D_NCHW = 'TwinmlConv2DNCHW';
/** Kernel name: that convolution's filter gradient, OHWI. */
export const TWINML_CONV2D_NCHW_BACKPROP_FILTER = 'TwinmlConv2DNCHWBackpropFilter';

/** Attributes of both kernels (stride is always 1). */
export interface Conv2dNCHWAttrs {
  /** [[top, bottom], [left, right]] */
  pads: [[number, number], [number, number]];
  dilations: [number, number];
  /** 'linear' or 'relu' (forward only) */
  activation?: 'linear' | 'relu';
  /** [Co, kh, kw, Ci] (filter gradient only) */
  filterShape?: number[];
}

interface Geometry {
  n: number;
  ci: number;
  h: number;
  w: number;
  co: number;
  kh: number;
  kw: number;
  ho: number;
  wo: number;
}

function geometry(xShape: readonly number[], filterShape: readonly number[], a: Conv2dNCHWAttrs): Geometry {
  const [n, ci, h, w] = xShape as [number, number, number, number];
  const [co, kh, kw, fci] = filterShape as [number, number, number, number];
  if (fci !== ci) throw new Error(`twinml ${TWINML_CONV2D_NCHW}: filter [${filterShape.join(', ')}] (OHWI) does not match input [${xShape.join(', ')}] (NCHW)`);
  const ho = h + a.pads[0][0] + a.pads[0][1] - (kh - 1) * a.dilations[0];
  const wo = w + a.pads[1][0] + a.pads[1][1] - (kw - 1) * a.dilations[1];
  if (ho < 1 || wo < 1) throw new Error(`twinml ${TWINML_CONV2D_NCHW}: output size ${ho}x${wo} for input ${h}x${w}`);
  return { n, ci, h, w, co, kh, kw, ho, wo };
}

/**
 * The columns of sample x[n] ([Ci, H, W] at byte offset `x`): rows (tap i·kw + j, channel c) of Ho·Wo floats at
 * byte offset `cols`, zero where the tap falls into the padding.
 */
function fillColumns(simd: SimdKernels, x: number, cols: number, g: Geometry, a: Conv2dNCHWAttrs): void {
  const { ci, h, w, kh, kw, ho, wo } = g;
  const tapBytes = ci * ho * wo * 4;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const top = a.pads[0][0] - i * a.dilations[0];
      const left = a.pads[1][0] - j * a.dilations[1];
      const lo = Math.min(wo, Math.max(0, left));
      const hi = Math.max(lo, Math.min(wo, w + left));
      const dst = cols + (i * kw + j) * tapBytes;
      if (ho === h && wo === w && Math.abs(top) < h && Math.abs(left) < w) {
        const rowLo = Math.min(ho, Math.max(0, top));
        const rowHi = Math.max(rowLo, Math.min(ho, h + top));
        simd.im2colTapSame(x, dst, ci, h, w, top * w + left, rowLo, rowHi, lo, hi);
      } else {
        simd.im2colTap(x, dst, ci, h, w, ho, wo, top, lo, hi, left);
      }
    }
  }
}

const explicitPad = (a: Conv2dNCHWAttrs) => [[0, 0], a.pads[0], a.pads[1], [0, 0]];

/** The forward through tfjs's NHWC kernels between transposes (shapes the SIMD path leaves out). */
function forwardComposed(c: KernelComposer, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, a: Conv2dNCHWAttrs): TensorInfo {
  const xT = c.transpose(x, [0, 2, 3, 1]);
  const hwio = c.transpose(filter, [1, 2, 3, 0]);
  let y = c.run('Conv2D', { x: xT, filter: hwio }, { strides: [1, 1], pad: explicitPad(a), dataFormat: 'NHWC', dilations: a.dilations } as unknown as NamedAttrMap);
  if (bias) y = c.run('Add', { a: y, b: bias });
  if (a.activation === 'relu') y = c.run('Relu', { x: y });
  return c.transpose(y, [0, 3, 1, 2]);
}

const forward: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
  const a = attrs as unknown as Conv2dNCHWAttrs;
  const g = geometry(x.shape, filter.shape, a);
  const k = g.kh * g.kw * g.ci;
  const positions = g.ho * g.wo;
  const simd = simdKernelsFor(backend);
  const memory = backendMemory(backend);
  const relu = a.activation === 'relu';
  const gemm = simd && memory && g.co % 4 === 0 ? gemmSimd(memory, { m: g.co, n: positions, k, transposeA: false, transposeB: false, bias: bias !== undefined, rowBias: true, relu }) : null;
  const c = new KernelComposer(backend as KernelBackend, 'wasm');
  if (!simd || !gemm) return c.finish(forwardComposed(c, x, filter, bias, a));
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput([g.n, g.co, g.ho, g.wo], 'float32');
  const cols = c.track(heap.makeOutput([k * positions], 'float32'));
  const pack = c.track(heap.makeOutput([gemmPackBytes({ m: g.co, k, transposeA: false }) / 4], 'float32'));
  const at = (t: TensorInfo) => heapOffset(backend, t);
  const [xAt, wAt, outAt, colsAt, packAt, biasAt] = [at(x), at(filter), at(out), at(cols), at(pack), bias ? at(bias) : 0];
  for (let s = 0; s < g.n; s++) {
    fillColumns(simd, xAt + s * g.ci * g.h * g.w * 4, colsAt, g, a);
    gemm(wAt, colsAt, outAt + s * g.co * positions * 4, packAt, biasAt, 0, 0, 0);
  }
  return c.finish(out);
};

/** The filter gradient through tfjs's NHWC kernels between transposes. */
function filterGradComposed(c: KernelComposer, x: TensorInfo, dy: TensorInfo, filterShape: number[], a: Conv2dNCHWAttrs): TensorInfo {
  const [co, kh, kw, ci] = filterShape as [number, number, number, number];
  const xT = c.transpose(x, [0, 2, 3, 1]);
  const dyT = c.transpose(dy, [0, 2, 3, 1]);
  const attrs = { strides: [1, 1], pad: explicitPad(a), dataFormat: 'NHWC', dilations: a.dilations, filterShape: [kh, kw, ci, co] };
  const hwio = c.run(TWINML_CONV2D_BACKPROP_FILTER, { x: xT, dy: dyT }, attrs as unknown as NamedAttrMap);
  return c.transpose(hwio, [3, 0, 1, 2]);
}

const filterGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as Conv2dNCHWAttrs;
  const filterShape = a.filterShape;
  if (!filterShape || filterShape.length !== 4) throw new Error(`twinml ${TWINML_CONV2D_NCHW_BACKPROP_FILTER}: attribute filterShape [Co, kh, kw, Ci] is required`);
  const g = geometry(x.shape, filterShape, a);
  if (dy.shape.join() !== [g.n, g.co, g.ho, g.wo].join()) {
    throw new Error(`twinml ${TWINML_CONV2D_NCHW_BACKPROP_FILTER}: dy [${dy.shape.join(', ')}] should be [${[g.n, g.co, g.ho, g.wo].join(', ')}]`);
  }
  const k = g.kh * g.kw * g.ci;
  const positions = g.ho * g.wo;
  const simd = simdKernelsFor(backend);
  const memory = backendMemory(backend);
  // dW[Co, K] += dy[n] [Co, Ho·Wo] · columns[n]ᵀ; the columns [K, Ho·Wo] are B stored transposed.
  const gemm = simd && memory && g.co % 4 === 0 ? gemmSimd(memory, { m: g.co, n: k, k: positions, transposeA: false, transposeB: true, accumulate: true }) : null;
  const c = new KernelComposer(backend as KernelBackend, 'wasm');
  if (!simd || !gemm) return c.finish(filterGradComposed(c, x, dy, filterShape, a));
  const heap = backend as unknown as HeapBackend;
  const out = heap.makeOutput(filterShape, 'float32');
  const cols = c.track(heap.makeOutput([k * positions], 'float32'));
  const pack = c.track(heap.makeOutput([gemmPackBytes({ m: g.co, k: positions, transposeA: false }) / 4], 'float32'));
  (heap.typedArrayFromHeap(out) as Float32Array).fill(0);
  const at = (t: TensorInfo) => heapOffset(backend, t);
  const [xAt, dyAt, outAt, colsAt, packAt] = [at(x), at(dy), at(out), at(cols), at(pack)];
  for (let s = 0; s < g.n; s++) {
    fillColumns(simd, xAt + s * g.ci * g.h * g.w * 4, colsAt, g, a);
    gemm(dyAt + s * g.co * positions * 4, colsAt, outAt, packAt, 0, 0, 0, 0);
  }
  return c.finish(out);
};

/** The two NCHW convolution kernels for the wasm backend (listed by register.ts). */
export function conv2dNCHWKernels(): KernelConfig[] {
  return [
    { kernelName: TWINML_CONV2D_NCHW, backendName: 'wasm', kernelFunc: forward },
    { kernelName: TWINML_CONV2D_NCHW_BACKPROP_FILTER, backendName: 'wasm', kernelFunc: filterGrad },
  ];
}
