/**
 * twinml's SIMD helper kernels (kernel-functions.ts, emitted by wasm-emit.ts) instantiated on the tfjs wasm
 * backend's own memory, so they read and write tensors in place. Available when the backend runs the
 * non-threaded build (its memory is an ordinary, importable WebAssembly.Memory) and the engine has SIMD;
 * otherwise `simdKernelsFor` returns null and callers keep their JS paths.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { simdKernelModule } from './kernel-functions.js';
import { backendMemory, wasmApi } from '../wasm-emit.js';

export interface SimdKernels {
  /**
   * dx of a 2x2 stride-2 unpadded max pooling over x [N, inH, inW, C] (C a multiple of 4); byte offsets.
   * @param x - offset of the forward input
   * @param dy - offset of the output gradient [N, Ho, Wo, C]
   * @param dx - offset of the result (every element inside a window written; a last odd row/column is not)
   * @param rows - N * Ho
   * @param wo - Wo
   * @param c - C
   * @param ho - Ho
   * @param inH - input height (2*Ho or 2*Ho + 1)
   * @param inW - input width (2*Wo or 2*Wo + 1)
   */
  maxPool2x2Grad(x: number, dy: number, dx: number, rows: number, wo: number, c: number, ho: number, inH: number, inW: number): void;
  /**
   * out[j] = sum over rows of src[r, j], float32 in row order; src [rows, c], c a multiple of 4; byte offsets.
   * @param src - offset of the matrix
   * @param out - offset of the c sums
   * @param rows - the number of rows
   * @param c - the number of columns
   */
  columnSum(src: number, out: number, rows: number, c: number): void;
  /**
   * out[i] = y[i] <= 0 ? 0 : dy[i] (ReLU's gradient from its output, as PyTorch's threshold_backward); byte offsets.
   * @param dy - offset of the output gradient
   * @param y - offset of the ReLU output
   * @param out - offset of the result
   * @param n - the element count
   */
  reluBackward(dy: number, y: number, out: number, n: number): void;
  /**
   * Softmax's gradient over rows of c floats (c a multiple of 4): out = y·(dy - Σ dy·y) per row; byte offsets.
   * @param dy - offset of the output gradient
   * @param y - offset of the softmax output
   * @param out - offset of the result
   * @param rows - the number of rows
   * @param c - the row length
   */
  softmaxBackward(dy: number, y: number, out: number, rows: number, c: number): void;
  /**
   * out = a · b for a [rows, k], b [k, cols] (rows a multiple of 3, cols of 16), float32 sums in k order;
   * for tiny outputs over a huge k. Byte offsets.
   * @param a - offset of a
   * @param b - offset of b
   * @param out - offset of the result [rows, cols]
   * @param rows - rows of a
   * @param k - columns of a = rows of b
   * @param cols - columns of b
   */
  gemmSmallOut(a: number, b: number, out: number, rows: number, k: number, cols: number): void;
  /**
   * im2colTap when the output has the input's size (stride 1): dst [planes, h, w] = src shifted by `shift`
   * elements (top*w + left), zero outside rows [rowLo, rowHi) and columns [lo, hi); byte offsets.
   * @param src - offset of the input planes
   * @param dst - offset of the destination planes
   * @param planes - number of planes
   * @param h - plane height (= output height)
   * @param w - plane width (= output width)
   * @param shift - top * w + left
   * @param rowLo - first output row inside the input
   * @param rowHi - end of the output rows inside the input
   * @param lo - first output column inside the input
   * @param hi - end of the output columns inside the input
   */
  im2colTapSame(src: number, dst: number, planes: number, h: number, w: number, shift: number, rowLo: number, rowHi: number, lo: number, hi: number): void;
  /**
   * One filter tap's rows of a transposed im2col at stride 1: for each plane of src [planes, h, w] and output
   * row oh < ho, wo floats src[p, oh - top, ow - left] for ow in [lo, hi), zeros elsewhere; byte offsets.
   * @param src - offset of the input planes
   * @param dst - offset of the first destination row
   * @param planes - number of planes
   * @param h - plane height
   * @param w - plane width
   * @param ho - output rows per plane
   * @param wo - output columns
   * @param top - input row = oh - top
   * @param lo - first output column inside the input
   * @param hi - end of the output columns inside the input
   * @param left - input column = ow - left
   */
  im2colTap(src: number, dst: number, planes: number, h: number, w: number, ho: number, wo: number, top: number, lo: number, hi: number, left: number): void;
  /**
   * 2x2 stride-2 unpadded max pooling of planes x [planes, inH, inW] (NCHW as [N·C, H, W, 1]) into y [planes, Ho, Wo];
   * first maximum, strict >, from -inf (planar-pool-functions.ts). Byte offsets; the third argument is unused.
   * @param x - offset of the input
   * @param y - offset of the output
   * @param unused - 0
   * @param planes - N * C
   * @param wo - Wo
   * @param ho - Ho
   * @param inH - input height (2*Ho or 2*Ho + 1)
   * @param inW - input width (2*Wo or 2*Wo + 1)
   */
  maxPool2x2Planar(x: number, y: number, unused: number, planes: number, wo: number, ho: number, inH: number, inW: number): void;
  /**
   * Its gradient: dx [planes, inH, inW] = dy at each window's first maximum, zeros at the other taps (a last odd
   * row or column, in no window, is not written). Byte offsets.
   * @param x - offset of the forward input
   * @param dy - offset of the output gradient [planes, Ho, Wo]
   * @param dx - offset of the result
   * @param planes - N * C
   * @param wo - Wo
   * @param ho - Ho
   * @param inH - input height
   * @param inW - input width
   */
  maxPool2x2PlanarGrad(x: number, dy: number, dx: number, planes: number, wo: number, ho: number, inH: number, inW: number): void;
}

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number | null } | undefined };
}

const instances = new WeakMap<object, SimdKernels | null>();

function instantiate(backend: WasmBackendInternals): SimdKernels | null {
  const memory = backendMemory(backend) as { buffer: ArrayBufferLike } | undefined;
  const api = wasmApi();
  if (!memory || !api) return null;
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
  try {
    const module = new api.Module(simdKernelModule());
    const instance = new api.Instance(module, { env: { memory } });
    return instance.exports as unknown as SimdKernels;
  } catch {
    return null; // no SIMD in this engine
  }
}

/**
 * The SIMD kernels bound to a wasm backend instance, or null where they cannot run.
 * @param backend - the wasm backend a kernel received
 */
export function simdKernelsFor(backend: object): SimdKernels | null {
  if (!instances.has(backend)) instances.set(backend, instantiate(backend as WasmBackendInternals));
  return instances.get(backend) ?? null;
}

/**
 * The byte offset of a tensor's data on the wasm heap.
 * @param backend - the wasm backend holding the tensor
 * @param info - the tensor
 */
export function heapOffset(backend: object, info: TensorInfo): number {
  const offset = (backend as WasmBackendInternals).dataIdMap.get(info.dataId)?.memoryOffset;
  if (typeof offset !== 'number') throw new Error(`twinml wasm kernels: tensor of shape [${info.shape.join(', ')}] has no data on the wasm heap`);
  return offset;
}
