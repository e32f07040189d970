/**
 * twinml's SIMD BatchMatMul on wasm against the cpu backend: every transpose combination, shapes the SIMD
 * block covers (M % 4 == 0, N % 8 == 0) and shapes that fall back to the previous kernel, forward and the
 * gradients tf.matMul produces (which use transposeA and transposeB).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { gemmSimd } from '../../src/backend/wasm/gemm-simd.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';

describe('SIMD BatchMatMul on wasm', () => {
  const cases: Array<[number, number, number]> = [
    [4, 1, 8],
    [64, 784, 256],
    [8, 37, 24],
    [12, 5, 16],
    [784, 64, 256],
    [6, 9, 10], // falls back (M % 4, N % 8)
    [64, 128, 10], // falls back (N % 8)
  ];
  for (const [m, k, n] of cases) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${m}x${k}x${n} transposeA=${tA} transposeB=${tB} matches cpu`, async () => {
        const rng = new Rng(m * 1000 + k * 10 + n);
        const aShape = tA ? [k, m] : [m, k];
        const bShape = tB ? [n, k] : [k, n];
        const av = randomHost(rng, aShape);
        const bv = randomHost(rng, bShape);
        const run = () => [tf.matMul(tf.tensor2d(av, aShape as [number, number]), tf.tensor2d(bv, bShape as [number, number]), tA, tB)];
        const want = await onBackend('cpu', run);
        const got = await onBackend('wasm', run);
        // Sums of k products of values in [-1, 1): float32 rounding grows like sqrt(k) * eps.
        expect(relativeError(got[0]!, want[0]!)).toBeLessThan(1e-5);
      });
    }
  }

  it('matches cpu for a batch-1 rank-3 product and for the gradients of a Linear-like layer', async () => {
    const rng = new Rng(9);
    const xv = randomHost(rng, [1, 16, 24]);
    const wv = randomHost(rng, [24, 32]);
    const dyv = randomHost(rng, [16, 32]);
    const run = () => {
      const x3 = tf.tensor3d(xv, [1, 16, 24]);
      const w = tf.tensor2d(wv, [24, 32]);
      const x = tf.reshape(x3, [16, 24]) as tf.Tensor2D;
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
      const [dx, dw] = tf.grads(f)([x, w], tf.tensor2d(dyv, [16, 32]));
      return [tf.matMul(x3, tf.reshape(w, [1, 24, 32])), dx!, dw!];
    };
    const want = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    want.forEach((w, i) => expect(relativeError(got[i]!, w), `output ${i}`).toBeLessThan(1e-5));
  });

  it('is the kernel that runs for a covered shape (and the generated module validates)', async () => {
    await useBackend('wasm');
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: object } } }).wasm.asm.memory;
    expect(gemmSimd(memory, { m: 8, n: 16, k: 3, transposeA: false, transposeB: true })).toBeTypeOf('function');
    const a = tf.ones([8, 3]);
    const b = tf.ones([3, 16]);
    const c = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
    expect(Array.from(c.dataSync())).toEqual(new Array(128).fill(3));
    tf.dispose([a, b, c]);
  });
});
