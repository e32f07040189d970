/**
 * Select (tf.where) and Reverse on bool tensors for the wasm backend. tfjs-backend-wasm 4.22's C++ kernels for
 * these two read and write every element as 4 bytes, but a bool tensor holds 1 byte per element: Select then
 * writes past the end of its output (corrupting the heap, so a later, unrelated dispose fails with "memory access
 * out of bounds") and Reverse aborts. Both only move elements, so their int32 kernels give the right bits: these
 * wrappers copy bool inputs to int32, run the backend's own kernel, and copy the result back to bool. Other
 * dtypes run the backend's kernel unchanged. (Found through `tril` of a bool mask, which uses tf.where.)
 */
import type { DataId, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';

/** The wasm backend's calls these wrappers use. */
interface WasmBackend extends HeapBackend {
  makeOutput(shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

/** The bool inputs a kernel moves element by element (the Select condition is read as bytes, correctly). */
const MOVED_INPUTS: Record<string, string[]> = { Select: ['t', 'e'], Reverse: ['x'] };

/**
 * Wraps the backend's `Select` or `Reverse` so that bool data goes through its int32 kernel.
 * @param original - the backend's kernel config (kernelName Select or Reverse)
 */
export function makeBoolViaInt32(original: KernelConfig): KernelConfig {
  const moved = MOVED_INPUTS[original.kernelName];
  if (!moved) throw new Error(`makeBoolViaInt32: no bool handling known for kernel ${original.kernelName}`);
  const fallback = original.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const inputs = args.inputs as Record<string, TensorInfo>;
    if (!moved.some((name) => inputs[name]?.dtype === 'bool')) return fallback(args);
    const backend = args.backend as unknown as WasmBackend;
    const temporaries: TensorInfo[] = [];
    const widened: Record<string, TensorInfo> = { ...inputs };
    for (const name of moved) {
      const input = inputs[name];
      if (input?.dtype !== 'bool') continue;
      const wide = backend.makeOutput(input.shape, 'int32');
      // Views are taken after makeOutput: an allocation may grow (and move) the heap.
      (backend.typedArrayFromHeap(wide) as Int32Array).set(backend.typedArrayFromHeap(input) as Uint8Array);
      temporaries.push(wide);
      widened[name] = wide;
    }
    try {
      const result = fallback({ ...args, inputs: widened }) as TensorInfo;
      temporaries.push(result);
      const out = backend.makeOutput(result.shape, 'bool');
      (backend.typedArrayFromHeap(out) as Uint8Array).set(backend.typedArrayFromHeap(result) as Int32Array);
      return out;
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId, true);
    }
  };
  return { ...original, kernelFunc };
}
