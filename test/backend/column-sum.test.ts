/** twinml's wasm Sum (SIMD column sum over all leading axes, else the backend's kernel) against the cpu backend. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';

describe('Sum on wasm', () => {
  it('matches the cpu backend for bias-gradient reductions and every other axis choice', async () => {
    const rng = new Rng(31);
    const int = (lo: number, hi: number) => lo + Math.floor(rng.random() * (hi - lo + 1));
    for (let t = 0; t < 24; t++) {
      const rank = int(2, 4);
      const shape = Array.from({ length: rank }, () => int(1, 9));
      if (t % 2 === 0) shape[rank - 1] = 4 * int(1, 5); // the SIMD path
      const leading = Array.from({ length: rank - 1 }, (_, i) => i);
      const axes = t % 4 < 2 ? leading : t % 4 === 2 ? [rank - 1] : [0, rank - 1];
      const keepDims = t % 3 === 0;
      const xv = randomHost(rng, shape);
      const run = () => {
        const x = tf.tensor(xv, shape);
        // the gradient of a broadcast bias add sums over the leading axes
        const biasGrad = tf.grad((b: tf.Tensor) => tf.add(x, b))(tf.zeros([shape[rank - 1]!]), x);
        return [tf.sum(x, axes, keepDims), biasGrad];
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      expect(relativeError(got[0]!, want[0]!), `case ${t} ${JSON.stringify({ shape, axes, keepDims })}`).toBeLessThan(1e-6);
      expect(relativeError(got[1]!, want[1]!), `case ${t} bias grad ${JSON.stringify(shape)}`).toBeLessThan(1e-6);
    }
  });

  it('keeps the shape of keepDims reductions', async () => {
    const got = await onBackend('wasm', () => [tf.sum(tf.ones([2, 3, 5, 8]), [0, 1, 2], true)]);
    expect(Array.from(got[0]!)).toEqual(Array(8).fill(30));
    const { useBackend } = await import('../../src/backend/index.js');
    await useBackend('wasm');
    const s = tf.sum(tf.ones([2, 3, 5, 8]), [2, 0, 1], true);
    expect(s.shape).toEqual([1, 1, 1, 8]);
    s.dispose();
  });
});
