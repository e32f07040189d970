/**
 * Fused optimizer updates for the wasm backend: one kernel call per parameter reads the parameter, its gradient
 * and its state straight from the wasm heap and writes the new parameter and state (src/train/optim otherwise
 * runs about a dozen kernels per parameter, each allocating a tensor). Adam's arithmetic is the program of
 * optimizer-spec.ts (the spec every implementation runs), so it is bit-identical to the tf-ops path. src/train/optim uses these kernels when they are registered for the
 * active backend.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';
import { sgdUpdate, type SgdStepAttrs } from './optimizer-math.js';
import { adamProgram, runProgramOnArrays, type AdamStepAttrs, type ElementProgram } from '../optimizer-spec.js';
import { programSimd } from './optimizer-simd.js';
import { backendMemory } from './wasm-emit.js';
import { heapOffset } from './simd/simd-kernels.js';

/** The wasm backend's heap internals the SIMD path needs (tfjs-backend-wasm 4.x). */
interface WasmHeapInternals {
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

/**
 * Runs `program` compiled to wasm (SIMD over the first floor(n/4)*4 elements, scalar f32 over the rest) on the
 * heap; false when the backend has no wasm memory to share or no SIMD (then the caller runs the JS loop).
 * Absent state inputs must already be zero-filled outputs passed as inputs.
 */
function runOnHeap(backend: unknown, program: ElementProgram, ins: TensorInfo[], outs: TensorInfo[], n: number): boolean {
  const memory = backendMemory(backend);
  if (!(backend as WasmHeapInternals).dataIdMap || !memory) return false;
  const compiled = programSimd(program, memory);
  if (!compiled) return false;
  const args: number[] = [];
  for (const t of ins) args.push(heapOffset(backend as object, t));
  for (const t of outs) args.push(heapOffset(backend as object, t));
  args.push((n - (n % 4)) * 4, n * 4);
  for (const name in program.scalars) args.push(Math.fround(program.scalars[name]!));
  compiled(...args);
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
  const { param, grad } = inputs as Record<string, TensorInfo | undefined>;
  if (!param || !grad) throw new Error(`${ADAM_UPDATE}: inputs param and grad are required`);
  const program = adamProgram(attrs as unknown as AdamStepAttrs);
  const named = inputs as Record<string, TensorInfo | undefined>;
  const size = param.shape.reduce((a, b) => a * b, 1);
  checkFloat32(ADAM_UPDATE, named, size);
  const heap = backend as unknown as HeapBackend;
  const outs = program.outputs.map(() => heap.makeOutput(param.shape, 'float32'));
  // An absent state input (first step) reads as zeros: its output, zero-filled, serves as the input.
  const stateOutput: Record<string, number> = { expAvg: 1, expAvgSq: 2, maxExpAvgSq: 3 };
  const ins = program.tensors.map((n) => named[n] ?? outs[stateOutput[n]!]!);
  // Views are taken after every allocation (an allocation may grow the heap and detach older views).
  const view = (t: TensorInfo) => heap.typedArrayFromHeap(t) as Float32Array;
  program.tensors.forEach((n) => {
    if (!named[n]) view(outs[stateOutput[n]!]!).fill(0);
  });
  if (!runOnHeap(backend, program, ins, outs, size)) {
    const inArrays = ins.map(view);
    runProgramOnArrays(program, Object.fromEntries(program.tensors.map((n, k) => [n, inArrays[k]!])), outs.map(view));
  }
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

