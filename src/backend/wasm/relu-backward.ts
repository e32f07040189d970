/**
 * TwinmlReluBackward for the wasm backend: 0 where y <= 0, dy elsewhere (PyTorch's threshold_backward), in one
 * SIMD pass over the heap (simd/kernel-functions.ts) where tfjs's ReLU gradient runs Step, Cast and Multiply. Without the
 * SIMD module it composes Step and Multiply from the backend's kernels (a NaN output then gives NaN).
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { RELU_BACKWARD } from '../relu-backward.js';
import type { HeapBackend } from './max-pool-grad.js';
import { KernelComposer } from './kernel-compose.js';
import { heapOffset, simdKernelsFor } from './simd/simd-kernels.js';

export const wasmReluBackwardConfig: KernelConfig = {
  kernelName: RELU_BACKWARD,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend }) => {
    const { dy, y } = inputs as { dy: TensorInfo; y: TensorInfo };
    if (!util.arraysEqual(dy.shape, y.shape)) {
      throw new Error(`twinml ${RELU_BACKWARD}: dy [${dy.shape.join(', ')}] and y [${y.shape.join(', ')}] must have one shape`);
    }
    const simd = simdKernelsFor(backend);
    if (!simd) {
      const c = new KernelComposer(backend as KernelBackend, 'wasm');
      return c.finish(c.run('Multiply', { a: dy, b: c.run('Step', { x: y }, { alpha: 0 }) }));
    }
    const out = (backend as unknown as HeapBackend).makeOutput(dy.shape, 'float32');
    simd.reluBackward(heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, out), util.sizeFromShape(dy.shape));
    return out;
  }) as KernelFunc,
};
