/**
 * Kernels written as plain loops over float32 arrays, registered for the wasm backend (reading and writing the
 * wasm heap in place) and the cpu backend (its typed arrays). A kernel declares its output shapes first, so every
 * output is allocated before any heap view is taken (allocation may grow wasm memory and detach older views).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';

/** A float32 input as the kernel sees it. */
export interface HostInput {
  values: Float32Array;
  shape: number[];
}

/** A loop kernel: output shapes from the inputs, then the computation into preallocated outputs. */
export interface HostKernel {
  kernelName: string;
  /** Input names that must be present (the others are optional). */
  required: string[];
  outputShapes(inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): number[][];
  run(inputs: Record<string, HostInput>, outputs: Float32Array[], attrs: NamedAttrMap): void;
}

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

interface CpuDataBackend {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

function checked(kernel: HostKernel, inputs: Record<string, TensorInfo | undefined>): Record<string, TensorInfo> {
  const out: Record<string, TensorInfo> = {};
  for (const name of kernel.required) if (!inputs[name]) throw new Error(`twinml ${kernel.kernelName}: input ${name} is missing`);
  for (const [name, t] of Object.entries(inputs)) {
    if (!t) continue;
    if (t.dtype !== 'float32') throw new Error(`twinml ${kernel.kernelName}: input ${name} must be float32, got ${t.dtype} [${t.shape.join(', ')}]`);
    out[name] = t;
  }
  return out;
}

/**
 * The kernel's registrations for 'wasm' and 'cpu'.
 * @param kernel - the loop kernel
 */
export function hostKernelConfigs(kernel: HostKernel): KernelConfig[] {
  const wasm: KernelFunc = ({ inputs, backend, attrs }) => {
    const present = checked(kernel, inputs as Record<string, TensorInfo | undefined>);
    const heap = backend as unknown as WasmHeapBackend;
    const outs = kernel.outputShapes(present, attrs ?? {}).map((shape) => heap.makeOutput(shape, 'float32'));
    const views: Record<string, HostInput> = {};
    for (const [name, t] of Object.entries(present)) views[name] = { values: heap.typedArrayFromHeap(t), shape: t.shape };
    kernel.run(views, outs.map((o) => heap.typedArrayFromHeap(o)), attrs ?? {});
    return outs;
  };
  const cpu: KernelFunc = ({ inputs, backend, attrs }) => {
    const present = checked(kernel, inputs as Record<string, TensorInfo | undefined>);
    const store = backend as unknown as CpuDataBackend;
    const shapes = kernel.outputShapes(present, attrs ?? {});
    const arrays = shapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
    const views: Record<string, HostInput> = {};
    for (const [name, t] of Object.entries(present)) views[name] = { values: store.data.get(t.dataId).values as Float32Array, shape: t.shape };
    kernel.run(views, arrays, attrs ?? {});
    return shapes.map((shape, i) => store.makeTensorInfo(shape, 'float32', arrays[i]!));
  };
  return [
    { kernelName: kernel.kernelName, backendName: 'wasm', kernelFunc: wasm },
    { kernelName: kernel.kernelName, backendName: 'cpu', kernelFunc: cpu },
  ];
}
