/**
 * Every kernel twinml replaces in the `tensorflow` backend (tfjs-node). Called once, right after tfjs-node loads.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { explicitPaddingKernels } from './explicit-padding.js';
import { stepKernel } from './step.js';
import { tensorflowOptimizerKernels } from './optimizer-kernels.js';

let registered = false;

/**
 * Replaces tfjs-node's conv-gradient and max-pool kernels with ones that also take explicit padding, and its Step
 * kernel with a cheaper one (step.ts); adds the fused Adam update (optimizer-kernels.ts).
 */
export function registerTensorflowKernels(): void {
  if (registered) return;
  registered = true;
  const original = (kernelName: string): KernelConfig => {
    const config = tf.getKernel(kernelName, 'tensorflow');
    if (!config) throw new Error(`twinml: tfjs-node registers no ${kernelName} kernel for the tensorflow backend`);
    return config;
  };
  for (const config of [...explicitPaddingKernels(original), stepKernel(original('Step'))]) {
    tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  // Replace, not add: another copy of twinml in the process (a test importing dist/ beside src/) may have
  // registered its own; tf.registerKernel would keep that one and only warn.
  for (const config of tensorflowOptimizerKernels()) {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}
