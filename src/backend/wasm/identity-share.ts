/**
 * Identity for the wasm backend that shares the input's data (reference count + 1) instead of copying it, like
 * the cpu backend's Identity and the wasm backend's own Reshape. tfjs-core runs Identity to save every tensor a
 * gradient needs (engine.clone) and for tf.clone, so during training the copying version duplicated each
 * layer's input and weight every step. Tensor data is never written after creation (Variable.assign swaps the
 * data id), so sharing is safe.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

export function makeSharingIdentity(original: KernelConfig | undefined): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string' && original) return (original.kernelFunc as KernelFunc)(args);
    (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: 'Identity', backendName: 'wasm', kernelFunc };
}
