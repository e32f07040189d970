/**
 * Every kernel twinml adds to or replaces in the wasm backend. Called once when the wasm backend is chosen.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { registerFastBatchMatMul } from './fast-batch-matmul.js';
import { makeConv2DBackpropInput, registerDilatedConvGradKernels, TWINML_CONV2D_BACKPROP_FILTER } from './conv2d-backprop.js';
import { makeWasmConv2DBackpropFilter } from './conv2d-filter-grad-gemm.js';
import { makeDepthwiseBackpropFilter, makeDepthwiseBackpropInput } from './depthwise-backprop.js';
export { registerDilatedConvGradKernels };
import { makeUnsortedSegmentSum } from './unsorted-segment-sum.js';
import { wasmMaxPoolGradConfig } from './max-pool-grad.js';
import { makeWasmColumnSum } from './column-sum.js';
import { wasmReluBackwardConfig } from './relu-backward.js';
import { wasmDenseGradConfig } from './dense-grad.js';
import { denseTrainingKernels } from './training-kernels.js';
import { wasmSoftmaxBackwardConfigs } from './softmax-backward.js';
import { wasmGeluKernelConfigs } from './gelu-kernels.js';
import { conv2dNCHWKernels } from './conv2d-nchw.js';
import { maxPoolNCHWKernels } from './max-pool-nchw.js';
import { recurrentCellKernels } from './recurrent-cells.js';
import { makeWasmContiguousSlice, makeWasmSplitV, makeWasmUnpackAxis0 } from './slice-views.js';
import { makeBoolViaInt32 } from './bool-via-int32.js';

/** The wasm kernels twinml registers (added where missing, replacing the backend's where faster). */
export function twinmlWasmKernels(): KernelConfig[] {
  return [
    makeConv2DBackpropInput('Conv2DBackpropInput', 'wasm'),
    makeWasmConv2DBackpropFilter('Conv2DBackpropFilter'),
    makeWasmConv2DBackpropFilter(TWINML_CONV2D_BACKPROP_FILTER),
    makeDepthwiseBackpropInput('wasm'),
    makeDepthwiseBackpropFilter('wasm'),
    makeUnsortedSegmentSum('wasm'),
    wasmMaxPoolGradConfig,
    ...wrapOriginal('Sum', makeWasmColumnSum),
    wasmReluBackwardConfig,
    wasmDenseGradConfig,
    ...denseTrainingKernels(),
    ...wasmSoftmaxBackwardConfigs(),
    ...wasmGeluKernelConfigs(),
    ...conv2dNCHWKernels(),
    ...maxPoolNCHWKernels(),
    ...recurrentCellKernels('wasm'),
    ...wrapOriginal('Slice', makeWasmContiguousSlice),
    ...wrapOriginal('Unpack', makeWasmUnpackAxis0),
    ...wrapOriginal('SplitV', makeWasmSplitV),
    ...wrapOriginal('Select', makeBoolViaInt32),
    ...wrapOriginal('Reverse', makeBoolViaInt32),
  ];
}

const originals = new Map<string, KernelConfig>();

/** `wrap` applied to the backend's own kernel `name` (the first registration seen), if it has one. */
function wrapOriginal(name: string, wrap: (original: KernelConfig) => KernelConfig): KernelConfig[] {
  const original = originals.get(name) ?? tf.getKernel(name, 'wasm');
  return original ? [wrap(original)] : [];
}

/** The backend's own kernel that twinml replaced (for benchmarks and tests), if there was one. */
export function originalWasmKernel(name: string): KernelConfig | undefined {
  return originals.get(name);
}

/** Registers `config`, replacing an existing registration of the same kernel and backend. */
export function replaceKernel(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

let registered = false;

export function registerWasmKernels(): void {
  registerFastBatchMatMul();
  if (registered) return;
  registered = true;
  for (const config of twinmlWasmKernels()) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing && !originals.has(config.kernelName)) originals.set(config.kernelName, existing);
    replaceKernel(config);
  }
  registerDilatedConvGradKernels('wasm');
}
