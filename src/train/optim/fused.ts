/**
 * Fused optimizer kernels (src/backend/wasm/optimizer-kernels.ts): used when the active backend registers
 * them, otherwise the optimizers run their tf-ops formula. Both give bit-identical float32 results.
 */
import * as tf from '@tensorflow/tfjs-core';

/** True when kernel `name` is registered for the active backend. */
export function hasFusedKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/**
 * Runs fused kernel `name` (outside any gradient tape) and returns its outputs.
 * @param name - the kernel name
 * @param inputs - named inputs; undefined entries are left out
 * @param attrs - the kernel's attributes
 */
export function runFused(name: string, inputs: Record<string, tf.Tensor | undefined>, attrs: object): tf.Tensor[] {
  const named: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) if (v) named[k] = v;
  const out = tf.engine().runKernel(name, named, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}
