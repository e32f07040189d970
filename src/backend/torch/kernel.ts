/** The shape of a `torch` kernel and the helper that turns one into a tfjs KernelConfig. */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { TorchBackend } from './backend.js';

/** The backend name tfjs knows this backend by. */
export const TORCH = 'torch';

/** A kernel body: the backend, the named inputs, the attributes. */
export type TorchKernel = (b: TorchBackend, inputs: NamedTensorInfoMap, attrs: NamedAttrMap) => TensorInfo | TensorInfo[];

/** The KernelConfig registering `body` as kernel `name` of the torch backend. */
export function kernel(name: string, body: TorchKernel): KernelConfig {
  const kernelFunc = (({ inputs, backend, attrs }) => body(backend as unknown as TorchBackend, inputs, attrs ?? {})) as KernelFunc;
  return { kernelName: name, backendName: TORCH, kernelFunc };
}

/** Input `name` of a kernel, or an error naming the kernel and the input. */
export function input(inputs: NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`twinml torch ${kernelName}: input ${name} is missing`);
  return t;
}

/** Normalises a tfjs axis attribute (number, array, negative) to sorted non-negative axes. */
export function axes(axis: number | number[] | undefined | null, rank: number): number[] {
  const list = axis === undefined || axis === null ? [...Array(rank).keys()] : Array.isArray(axis) ? axis : [axis];
  return list.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
}
