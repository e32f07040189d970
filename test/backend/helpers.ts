/** Shared helpers for backend tests: run the same computation on two backends from host data and compare. */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../../src/backend/index.js';
import { Rng } from '../../src/util/rng.js';

/** Random Float32Array of `shape`, uniform in [-1, 1), from a seeded generator. */
export function randomHost(rng: Rng, shape: number[]): Float32Array {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  rng.fillUniform(values, -1, 1);
  return values;
}

/** Runs `fn` on `backend` and returns its results as host arrays (all tensors freed). */
export async function onBackend(backend: BackendName, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(backend);
  const outs = tf.tidy(fn);
  const values = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return values;
}

export { relativeError } from '../helpers/relative-error.js';

/** Every backend that loads here (tensorflow only when tfjs-node is installed). */
export async function availableBackends(): Promise<BackendName[]> {
  const { probeBackends } = await import('../../src/backend/index.js');
  return (await probeBackends()).filter((s) => s.available).map((s) => s.name);
}

/** Names of the kernels tfjs runs (through engine.runKernel) while `fn` runs. */
export function kernelsRunBy(fn: () => void): Set<string> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const original = engine.runKernel;
  const names = new Set<string>();
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    names.add(name);
    return original.call(this, name, ...rest);
  };
  try {
    fn();
  } finally {
    engine.runKernel = original;
  }
  return names;
}
