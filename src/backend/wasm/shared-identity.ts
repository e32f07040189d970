/**
 * Identity for the wasm backend that shares the input's heap data (reference-counted, like the cpu backend's
 * Identity and the wasm backend's own Reshape) instead of copying it. tfjs's engine runs Identity to clone every
 * tensor a gradient saves, so the copying kernel cost a full pass over each activation of a training step.
 * Sharing is safe because wasm kernels never write into their inputs: every kernel (the backend's and twinml's)
 * writes a fresh output.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Wraps the backend's Identity (kept for string tensors, which live outside the heap).
 * @param original - the backend's Identity kernel config
 */
export function makeWasmSharedIdentity(original: KernelConfig): KernelConfig {
  const fallback = original.kernelFunc as KernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return fallback(args);
    (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return { ...original, kernelFunc };
}
