/**
 * Fused optimizer updates for the wasm backend: one kernel call per parameter reads the parameter, its gradient
 * and its state straight from the wasm heap and writes the new parameter and state (src/train/optim otherwise
 * runs about a dozen kernels per parameter, each allocating a tensor). The arithmetic, in optimizer-math.ts,
 * is bit-identical to the tf-ops path. src/train/optim uses these kernels when they are registered for the
 * active backend.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';
import { adamUpdate, sgdUpdate, type AdamArrays, type AdamStepAttrs, type SgdStepAttrs } from './optimizer-math.js';
import { adamSimd } from './optimizer-simd.js';
import { backendMemory } from './wasm-emit.js';
import { heapOffset } from './simd/simd-kernels.js';

/** The wasm backend's heap internals the SIMD path needs (tfjs-backend-wasm 4.x). */
interface WasmHeapInternals {
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

/**
 * Runs the SIMD loop over the first floor(n/4)*4 elements and the JS loop over the rest; false when the
 * backend has no wasm memory to share (then the caller runs the JS loop over everything).
 */
function adamOnHeap(backend: unknown, tensors: Record<'param' | 'grad' | 'outParam' | 'outExpAvg' | 'outExpAvgSq', TensorInfo> & { expAvg?: TensorInfo; expAvgSq?: TensorInfo }, arrays: AdamArrays, o: AdamStepAttrs): boolean {
  const internals = backend as WasmHeapInternals;
  const memory = backendMemory(backend);
  if (o.amsgrad || !internals.dataIdMap || !memory) return false;
  const simd = adamSimd(memory);
  if (!simd) return false;
  const n = arrays.param.length;
  const n4 = n - (n % 4);
  const at = (t: TensorInfo) => heapOffset(backend as object, t);
  if (!tensors.expAvg) arrays.outExpAvg.fill(0);
  if (!tensors.expAvgSq) arrays.outExpAvgSq.fill(0);
  const coupled = o.weightDecay !== 0 && !o.decoupledWeightDecay;
  const f32 = Math.fround;
  simd(
    at(tensors.param), at(tensors.grad), at(tensors.expAvg ?? tensors.outExpAvg), at(tensors.expAvgSq ?? tensors.outExpAvgSq),
    at(tensors.outParam), at(tensors.outExpAvg), at(tensors.outExpAvgSq), n4 * 4, coupled ? 1 : 0,
    o.weightDecay !== 0 && o.decoupledWeightDecay ? f32(1 - o.lr * o.weightDecay) : 1, coupled ? f32(o.weightDecay) : 0,
    f32(1 - o.beta1), f32(o.beta2), f32(1 - o.beta2), f32(Math.sqrt(1 - o.beta2 ** o.step)), f32(o.eps), f32(o.lr / (1 - o.beta1 ** o.step)),
  );
  if (n4 < n) {
    const tail = (a: Float32Array | null) => (a ? a.subarray(n4) : null);
    adamUpdate(
      {
        param: tail(arrays.param)!, grad: tail(arrays.grad)!, expAvg: tail(arrays.expAvg), expAvgSq: tail(arrays.expAvgSq), maxExpAvgSq: null,
        outParam: tail(arrays.outParam)!, outExpAvg: tail(arrays.outExpAvg)!, outExpAvgSq: tail(arrays.outExpAvgSq)!, outMaxExpAvgSq: null,
      },
      o,
    );
  }
  return true;
}

/** Inputs: param, grad, optional expAvg / expAvgSq / maxExpAvgSq. Outputs: [param, expAvg, expAvgSq(, maxExpAvgSq)]. */
export const ADAM_UPDATE = 'TwinmlAdamUpdate';
/** Inputs: param, grad, optional momentumBuffer. Outputs: [param(, momentumBuffer when momentum != 0)]. */
export const SGD_UPDATE = 'TwinmlSgdUpdate';

function checkFloat32(kernel: string, named: Record<string, TensorInfo | undefined>, size: number): void {
  for (const [name, t] of Object.entries(named)) {
    if (!t) continue;
    if (t.dtype !== 'float32') throw new Error(`${kernel}: input ${name} must be float32, got ${t.dtype}`);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== size) throw new Error(`${kernel}: input ${name} has ${n} elements, param has ${size}`);
  }
}

const adamKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { param, grad, expAvg, expAvgSq, maxExpAvgSq } = inputs as Record<string, TensorInfo | undefined>;
  if (!param || !grad) throw new Error(`${ADAM_UPDATE}: inputs param and grad are required`);
  const o = attrs as unknown as AdamStepAttrs;
  const size = param.shape.reduce((a, b) => a * b, 1);
  checkFloat32(ADAM_UPDATE, { param, grad, expAvg, expAvgSq, maxExpAvgSq }, size);
  const heap = backend as unknown as HeapBackend;
  const outs = [param, param, param, ...(o.amsgrad ? [param] : [])].map(() => heap.makeOutput(param.shape, 'float32'));
  // Views are taken after every allocation (an allocation may grow the heap and detach older views).
  const view = (t: TensorInfo | undefined): Float32Array | null => (t ? (heap.typedArrayFromHeap(t) as Float32Array) : null);
  const arrays: AdamArrays = {
    param: view(param)!,
    grad: view(grad)!,
    expAvg: view(expAvg),
    expAvgSq: view(expAvgSq),
    maxExpAvgSq: view(maxExpAvgSq),
    outParam: view(outs[0])!,
    outExpAvg: view(outs[1])!,
    outExpAvgSq: view(outs[2])!,
    outMaxExpAvgSq: view(outs[3]),
  };
  const tensors = { param, grad, expAvg, expAvgSq, outParam: outs[0]!, outExpAvg: outs[1]!, outExpAvgSq: outs[2]! };
  if (!adamOnHeap(backend, tensors, arrays, o)) adamUpdate(arrays, o);
  return outs;
};

const sgdKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { param, grad, momentumBuffer } = inputs as Record<string, TensorInfo | undefined>;
  if (!param || !grad) throw new Error(`${SGD_UPDATE}: inputs param and grad are required`);
  const o = attrs as unknown as SgdStepAttrs;
  const size = param.shape.reduce((a, b) => a * b, 1);
  checkFloat32(SGD_UPDATE, { param, grad, momentumBuffer }, size);
  const heap = backend as unknown as HeapBackend;
  const outs = [param, ...(o.momentum !== 0 ? [param] : [])].map(() => heap.makeOutput(param.shape, 'float32'));
  const view = (t: TensorInfo | undefined): Float32Array | null => (t ? (heap.typedArrayFromHeap(t) as Float32Array) : null);
  sgdUpdate(
    { param: view(param)!, grad: view(grad)!, momentumBuffer: view(momentumBuffer), outParam: view(outs[0])!, outMomentumBuffer: view(outs[1]) },
    o,
  );
  return outs;
};

/** The fused optimizer kernels for `backendName` (a backend with makeOutput/typedArrayFromHeap, i.e. wasm). */
export function optimizerKernels(backendName = 'wasm'): KernelConfig[] {
  return [
    { kernelName: ADAM_UPDATE, backendName, kernelFunc: adamKernel },
    { kernelName: SGD_UPDATE, backendName, kernelFunc: sgdKernel },
  ];
}

