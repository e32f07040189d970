/**
 * Conv2DBackpropFilter for the wasm backend as im2col + one GEMM: the transposed im2col of x, built on the
 * wasm heap ([kh*kw*Ci, N*Ho*Wo]; at stride 1 by the SIMD tap kernel from x as [Ci, N, H, W] planes, otherwise
 * in JS, see im2col.ts), times dy viewed as [N*Ho*Wo, Co] with the backend's
 * BatchMatMul (XNNPACK) gives dW [kh, kw, Ci, Co] directly, without transposing dy. The convolution
 * formulation (conv2d-backprop.ts) convolves with dy as a huge filter that XNNPACK repacks on every call and
 * needs x and dy transposed; see `usesGemm` for the measured choice between the two. Small outputs (rows a
 * multiple of 3, Co of 16, see SMALL_OUTPUT_MAX_FLOATS) skip XNNPACK for a register-blocked SIMD GEMM.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';
import { conv2dFilterGrad, resolveGeometry, type ConvGeometry } from './conv2d-backprop.js';
import { im2colTransposed } from './im2col.js';
import type { HeapBackend } from './max-pool-grad.js';
import { heapOffset, simdKernelsFor, type SimdKernels } from './simd/simd-kernels.js';

/**
 * dW of a convolution on the wasm heap: x [N, H, W, Ci], dy [N, Ho, Wo, Co] -> [kh, kw, Ci, Co].
 * @param c - the composer of the wasm backend running the kernel
 * @param x - the forward input (NHWC)
 * @param dy - the output gradient (NHWC)
 * @param filterShape - [kh, kw, Ci, Co]
 * @param g - strides, dilations and explicit pads of the forward convolution
 */
export function conv2dFilterGradGemm(c: KernelComposer, x: TensorInfo, dy: TensorInfo, filterShape: number[], g: ConvGeometry): TensorInfo {
  const [kh, kw, ci, co] = filterShape as [number, number, number, number];
  const [n, ho, wo] = dy.shape as [number, number, number, number];
  const rows = kh * kw * ci;
  const positions = n * ho * wo;
  const heap = c.backend as unknown as HeapBackend;
  const simd = simdKernelsFor(c.backend);
  const simdColumns = simd !== null && isStrideOne(g);
  // [Ci, N, H, W]: every row of the columns is then a run of shifted input rows
  const planes = simdColumns && ci > 1 ? c.transpose(x, [3, 0, 1, 2]) : x;
  const colT = c.track(heap.makeOutput([1, rows, positions], 'float32'));
  if (simd && simdColumns) {
    fillColumnsStrideOne(simd, heapOffset(c.backend, planes), heapOffset(c.backend, colT), x.shape, [kh, kw], [ho, wo], g);
  } else {
    // Views are taken after the allocation (it may grow and detach the heap).
    const colValues = heap.typedArrayFromHeap(colT) as Float32Array;
    im2colTransposed(heap.typedArrayFromHeap(x) as Float32Array, x.shape, [kh, kw], [ho, wo], g, colValues);
  }
  if (simd && rows % 3 === 0 && co % 16 === 0 && rows * co <= SMALL_OUTPUT_MAX_FLOATS) {
    // The output is small and k = N*Ho*Wo huge: register-blocked sums beat XNNPACK's GEMM, which repacks
    // all of dy as its weights first.
    const grad = heap.makeOutput([kh, kw, ci, co], 'float32');
    simd.gemmSmallOut(heapOffset(c.backend, colT), heapOffset(c.backend, dy), heapOffset(c.backend, grad), rows, positions, co);
    return grad;
  }
  const dyMatrix = c.reshape(dy, [1, positions, co]);
  const grad = c.run('BatchMatMul', { a: colT, b: dyMatrix }, { transposeA: false, transposeB: false });
  return c.reshape(grad, [kh, kw, ci, co]);
}

/**
 * Largest filter gradient (floats) computed by the SIMD small-output GEMM rather than the backend's BatchMatMul.
 * CPU time, batch 64, 3x3 pad 1, against XNNPACK's BatchMatMul: 9x16 outputs (1->16 @28x28) 1.1 ms against
 * 5.0 ms, 144x32 (16->32 @14x14) 7.3-8.7 ms against 8.1-9.8 ms, 288x64 (32->64 @7x7) 7.2-7.4 ms against
 * 6.8-7.0 ms; against the SIMD GEMM BatchMatMul of branch s2-wasm-mlp (merged for the measurement): 1.0 ms
 * against 4.5 ms, 6.7-6.8 ms against 4.1-4.6 ms, 3.8-3.9 ms against 3.8-4.0 ms. The bound keeps the first
 * layer's shape and leaves the wider ones to BatchMatMul.
 */
export const SMALL_OUTPUT_MAX_FLOATS = 1024;

function isStrideOne(g: ConvGeometry): boolean {
  return g.strides[0] === 1 && g.strides[1] === 1;
}

/**
 * The transposed im2col at stride 1 with the SIMD tap kernel, from the input as planes [Ci, N, H, W].
 * @param simd - the SIMD kernels of the backend
 * @param planes - heap offset of the planes
 * @param out - heap offset of the columns [kh*kw*Ci, N*Ho*Wo]
 * @param xShape - [N, H, W, Ci]
 * @param kernelHW - [kh, kw]
 * @param outHW - [Ho, Wo]
 * @param g - dilations and pads (strides 1)
 */
function fillColumnsStrideOne(simd: SimdKernels, planes: number, out: number, xShape: readonly number[], kernelHW: [number, number], outHW: [number, number], g: ConvGeometry): void {
  const [n, h, w, ci] = xShape as [number, number, number, number];
  const [kh, kw] = kernelHW;
  const [ho, wo] = outHW;
  const rowBytes = n * ho * wo * 4;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const top = g.pads[0][0] - i * g.dilations[0];
      const left = g.pads[1][0] - j * g.dilations[1];
      const lo = Math.min(wo, Math.max(0, left));
      const hi = Math.max(lo, Math.min(wo, w + left));
      const dst = out + (i * kw + j) * ci * rowBytes;
      const rowLo = Math.min(ho, Math.max(0, top));
      const rowHi = Math.max(rowLo, Math.min(ho, h + top));
      if (ho === h && wo === w && Math.abs(top) < h && Math.abs(left) < w) {
        // one shifted bulk copy of all planes, then the out-of-input rows and columns zeroed
        simd.im2colTapSame(planes, dst, ci * n, h, w, top * w + left, rowLo, rowHi, lo, hi);
      } else {
        simd.im2colTap(planes, dst, ci * n, h, w, ho, wo, top, lo, hi, left);
      }
    }
  }
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: Parameters<typeof resolveGeometry>[4];
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: number[];
  dilations?: number | [number, number];
}

/**
 * Input channels from which the convolution formulation is as fast as im2col + GEMM when the columns are
 * built in JS (strided convolutions or no SIMD).
 */
export const GEMM_MAX_INPUT_CHANNELS = 8;

/** Largest column matrix (floats) the GEMM formulation may allocate; beyond it the convolution formulation runs. */
export const GEMM_MAX_COLUMN_FLOATS = 8 * 1024 * 1024;

/**
 * Whether the filter gradient runs as im2col + GEMM: always when the SIMD kernels build the columns (stride 1;
 * measured in CPU time, batch 64, 3x3 pad 1: 16->32 channels at 14x14 7.7 ms against 10.7 ms for the
 * convolution formulation, 32->64 at 7x7 7.2-7.9 ms against 8.2-9.0 ms, 1->16 at 28x28 1.3 ms against 10.7 ms),
 * with JS-built columns below GEMM_MAX_INPUT_CHANNELS; never when the columns would exceed GEMM_MAX_COLUMN_FLOATS.
 * @param backend - the wasm backend
 * @param xShape - [N, H, W, Ci]
 * @param filterShape - [kh, kw, Ci, Co]
 * @param g - the convolution's geometry
 */
export function usesGemm(backend: object, xShape: readonly number[], filterShape: readonly number[], g: ConvGeometry): boolean {
  const [n, h, w, ci] = xShape as [number, number, number, number];
  const [kh, kw] = filterShape as [number, number];
  const ho = Math.floor((h + g.pads[0][0] + g.pads[0][1] - (kh - 1) * g.dilations[0] - 1) / g.strides[0]) + 1;
  const wo = Math.floor((w + g.pads[1][0] + g.pads[1][1] - (kw - 1) * g.dilations[1] - 1) / g.strides[1]) + 1;
  if (kh * kw * ci * n * ho * wo > GEMM_MAX_COLUMN_FLOATS) return false;
  return (isStrideOne(g) && simdKernelsFor(backend) !== null) || ci < GEMM_MAX_INPUT_CHANNELS;
}

/**
 * The wasm filter-gradient kernel config under `kernelName` (tfjs's 'Conv2DBackpropFilter' or twinml's
 * dilation-aware name; attrs like tfjs's plus `dilations`): im2col + GEMM below GEMM_MAX_INPUT_CHANNELS input
 * channels, the convolution formulation from there on.
 * @param kernelName - the name to register
 */
export function makeWasmConv2DBackpropFilter(kernelName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as BackpropFilterAttrs;
    if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') {
      throw new Error(`twinml ${kernelName}: dataFormat must be 'NHWC', got '${a.dataFormat}'`);
    }
    const g = resolveGeometry(x.shape, a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode);
    const c = new KernelComposer(backend as KernelBackend, 'wasm');
    const gemm = usesGemm(backend, x.shape, a.filterShape, g);
    return c.finish(gemm ? conv2dFilterGradGemm(c, x, dy, a.filterShape, g) : conv2dFilterGrad(c, x, dy, a.filterShape, g));
  };
  return { kernelName, backendName: 'wasm', kernelFunc };
}
