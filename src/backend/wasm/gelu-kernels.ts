/**
 * TwinmlGelu and TwinmlGeluGrad (the contract of src/backend/gelu-kernel-names.ts) for the wasm backend: one SIMD
 * pass over the tensor each (gelu-simd.ts) instead of the five or so tfjs kernels of the composed
 * x/2·(1 + erf(x/√2)) and its gradient. Where the SIMD module cannot run (no wasm SIMD, or a threaded build
 * whose memory is shared) the same formulas run as a JS loop on the heap. float32 only.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { GELU, GELU_GRAD } from '../gelu-kernel-names.js';
import { ERF_P, ERF_Q, geluSimd, type GeluApproximate } from './gelu-simd.js';
import type { HeapBackend } from './max-pool-grad.js';
import { heapOffset } from './simd/simd-kernels.js';
import { backendMemory } from './wasm-emit.js';

interface HeapViews extends HeapBackend {
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object): void;
}

function approximation(kernel: string, attrs: NamedAttrMap | undefined): GeluApproximate {
  const a = (attrs as { approximate?: unknown } | undefined)?.approximate ?? 'none';
  if (a !== 'none' && a !== 'tanh') throw new Error(`twinml ${kernel}: approximate must be 'none' or 'tanh', got ${JSON.stringify(a)}`);
  return a;
}

function float32(kernel: string, name: string, t: TensorInfo): void {
  if (t.dtype !== 'float32') throw new Error(`twinml ${kernel}: ${name} must be float32, got ${t.dtype} [${t.shape.join(', ')}]`);
}

/** erf as gelu-simd.ts computes it, in float64 (the JS loop's). */
function erf(v: number): number {
  const t = Math.max(-4, Math.min(4, v));
  const s = t * t;
  const p = ERF_P.slice(1).reduce((acc, c) => acc * s + c, ERF_P[0]!);
  const q = ERF_Q.slice(1).reduce((acc, c) => acc * s + c, ERF_Q[0]!);
  return (t * p) / q;
}

const BETA_NONE = 1 / Math.sqrt(2 * Math.PI);
const BETA_TANH = Math.sqrt(2 / Math.PI);
const KAPPA = 0.044715;

/** gelu(x) and dy·gelu'(x) as scalars (PyTorch's formulas; the JS loop when SIMD cannot run). */
const scalar = {
  gelu: (x: number, a: GeluApproximate) => (a === 'none' ? x * 0.5 * (1 + erf(x * Math.SQRT1_2)) : 0.5 * x * (1 + Math.tanh(BETA_TANH * (x + KAPPA * x * x * x)))),
  grad: (dy: number, x: number, a: GeluApproximate) => {
    if (a === 'none') return dy * (0.5 * (1 + erf(x * Math.SQRT1_2)) + x * BETA_NONE * Math.exp(-0.5 * x * x));
    const t = Math.tanh(BETA_TANH * (x + KAPPA * x * x * x));
    return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * BETA_TANH * (1 + 3 * KAPPA * x * x));
  },
};

/**
 * Runs `simd` over the first floor(n/4)·4 elements in place and the last n % 4 through 16-byte padded copies
 * (inputs copied in, the output copied back), so nothing outside the tensors is read or written.
 */
function overHeap(backend: HeapViews, inputs: TensorInfo[], out: TensorInfo, simd: (offsets: number[], bytes: number) => void): void {
  const n = tf.util.sizeFromShape(out.shape);
  const n4 = n - (n % 4);
  if (n4 > 0) simd([...inputs.map((t) => heapOffset(backend, t)), heapOffset(backend, out)], n4 * 4);
  if (n4 === n) return;
  const pads = [...inputs, out].map(() => backend.makeOutput([4], 'float32'));
  inputs.forEach((t, i) => {
    const pad = backend.typedArrayFromHeap(pads[i]!);
    pad.fill(0);
    pad.set(backend.typedArrayFromHeap(t).subarray(n4));
  });
  simd(pads.map((p) => heapOffset(backend, p)), 16);
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(pads[inputs.length]!).subarray(0, n - n4), n4);
  for (const p of pads) backend.disposeData(p.dataId);
}

const geluKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const approximate = approximation(GELU, attrs);
  float32(GELU, 'x', x);
  const heap = backend as unknown as HeapViews;
  const y = heap.makeOutput(x.shape, 'float32');
  const memory = backendMemory(backend);
  const fns = memory ? geluSimd(memory) : null;
  if (fns) overHeap(heap, [x], y, ([xo, yo], bytes) => fns.gelu[approximate](xo!, yo!, bytes));
  else {
    const xv = heap.typedArrayFromHeap(x);
    const yv = heap.typedArrayFromHeap(y);
    for (let i = 0; i < xv.length; i++) yv[i] = scalar.gelu(xv[i]!, approximate);
  }
  return y;
};

const geluGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const approximate = approximation(GELU_GRAD, attrs);
  float32(GELU_GRAD, 'dy', dy);
  float32(GELU_GRAD, 'x', x);
  if (!tf.util.arraysEqual(dy.shape, x.shape)) throw new Error(`twinml ${GELU_GRAD}: dy [${dy.shape.join(', ')}] and x [${x.shape.join(', ')}] must have one shape`);
  const heap = backend as unknown as HeapViews;
  const dx = heap.makeOutput(x.shape, 'float32');
  const memory = backendMemory(backend);
  const fns = memory ? geluSimd(memory) : null;
  if (fns) overHeap(heap, [dy, x], dx, ([go, xo, dxo], bytes) => fns.geluGrad[approximate](go!, xo!, dxo!, bytes));
  else {
    const [gv, xv, dxv] = [dy, x, dx].map((t) => heap.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array];
    for (let i = 0; i < xv.length; i++) dxv[i] = scalar.grad(gv[i]!, xv[i]!, approximate);
  }
  return dx;
};

/** The wasm registrations of TwinmlGelu and TwinmlGeluGrad. */
export function wasmGeluKernelConfigs(): KernelConfig[] {
  return [
    { kernelName: GELU, backendName: 'wasm', kernelFunc: geluKernel },
    { kernelName: GELU_GRAD, backendName: 'wasm', kernelFunc: geluGradKernel },
  ];
}
