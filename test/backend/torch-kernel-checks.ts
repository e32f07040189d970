/**
 * Checks shared by the torch fused-kernel tests: a function's value and gradients from seeded inputs, run on cpu
 * and torch and compared (also asserting which kernels torch ran), and a no-leak check over tfjs and the addon's
 * native table.
 */
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import type { TorchBackend } from '../../src/backend/torch/backend.js';
import { Rng } from '../../src/util/rng.js';
import { kernelsRunBy, onBackend, randomHost, relativeError } from './helpers.js';

/** f's output and the gradients of Σ output·cotangent with respect to every input (seeded values). */
export function valueAndGrads(shapes: number[][], seed: number, f: (...xs: tf.Tensor[]) => tf.Tensor): () => tf.Tensor[] {
  const rng = new Rng(seed);
  const values = shapes.map((s) => randomHost(rng, s));
  return () => {
    const xs = values.map((v, i) => tf.tensor(v, shapes[i]));
    const y = f(...xs);
    const cotangent = tf.tensor(randomHost(new Rng(seed + 1), y.shape), y.shape);
    const grads = tf.grads((...ins: tf.Tensor[]) => tf.sum(tf.mul(f(...ins), cotangent)))(xs);
    return [y, ...grads];
  };
}

/** Runs `run` on cpu and torch; asserts every tensor agrees and that torch ran `kernels`. */
export async function matchesCpu(what: string, run: () => tf.Tensor[], kernels: string[], tolerance = 1e-5): Promise<void> {
  const want = await onBackend('cpu', run);
  await useBackend('torch');
  let ran = new Set<string>();
  const got = await onBackend('torch', () => {
    let out: tf.Tensor[] = [];
    ran = kernelsRunBy(() => {
      out = run();
    });
    return out;
  });
  for (const k of kernels) expect(ran.has(k), `${what}: torch ran ${k}`).toBe(true);
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(relativeError(got[i]!, w), `${what}: ${i === 0 ? 'output' : `grad ${i - 1}`}`).toBeLessThanOrEqual(tolerance));
}

/** Asserts tfjs and addon tensor counts stay flat over `rounds` of `fn`. */
export async function leaksNothing(fn: () => void, rounds = 3): Promise<void> {
  await useBackend('torch');
  const backend = tf.backend() as unknown as TorchBackend;
  fn();
  const before = { tensors: tf.memory().numTensors, native: backend.nativeTensorCount() };
  for (let i = 0; i < rounds; i++) fn();
  expect({ tensors: tf.memory().numTensors, native: backend.nativeTensorCount() }).toEqual(before);
}
