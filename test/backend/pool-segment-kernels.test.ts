/** twinml's wasm MaxPoolGrad and UnsortedSegmentSum against the cpu backend on random shapes. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';
import { useBackend } from '../../src/backend/index.js';
import { simdKernelsFor } from '../../src/backend/wasm/simd/simd-kernels.js';

describe('MaxPoolGrad on wasm', () => {
  it('matches the cpu backend on 40 random windows, strides and paddings (overlapping windows included)', async () => {
    const rng = new Rng(21);
    const int = (lo: number, hi: number) => lo + Math.floor(rng.random() * (hi - lo + 1));
    for (let t = 0; t < 40; t++) {
      const shape: [number, number, number, number] = [int(1, 3), int(3, 12), int(3, 12), int(1, 5)];
      const k: [number, number] = [int(1, 3), int(1, 3)];
      const s: [number, number] = [int(1, 3), int(1, 3)];
      const pad = t % 4 === 0 ? 'same' : t % 4 === 1 ? 'valid' : ([[0, 0], [int(0, k[0] >> 1), int(0, k[0] - 1)], [int(0, k[1] >> 1), int(0, k[1] - 1)], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]);
      const xv = randomHost(rng, shape);
      // a few exact ties: the first maximum of a window must get the gradient
      for (let i = 0; i + 1 < xv.length; i += 7) xv[i + 1] = xv[i]!;
      const run = () => {
        const x = tf.tensor4d(xv, shape);
        const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, s, pad);
        const y = pool(x);
        const dy = tf.tensor(randomHost(new Rng(300 + t), y.shape), y.shape);
        return [y, tf.grad(pool)(x, dy)];
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      expect(relativeError(got[0]!, want[0]!), `case ${t} forward`).toBe(0);
      expect(relativeError(got[1]!, want[1]!), `case ${t} ${JSON.stringify({ shape, k, s, pad })} grad`).toBeLessThan(1e-6);
    }
  });
});

describe('MaxPoolGrad 2x2 stride 2 on wasm (the SIMD path)', () => {
  it('runs as SIMD code and matches the cpu backend with ReLU-like zero plateaus, ties, NaN and -inf windows', async () => {
    await useBackend('wasm');
    expect(simdKernelsFor(tf.backend()), 'SIMD kernels instantiate on the wasm backend').not.toBeNull();
    const rng = new Rng(23);
    const int = (lo: number, hi: number) => lo + Math.floor(rng.random() * (hi - lo + 1));
    for (let t = 0; t < 20; t++) {
      // odd sizes too: the last row/column lies in no window
      const shape: [number, number, number, number] = [int(1, 3), 2 * int(1, 6) + (t % 3 === 1 ? 1 : 0), 2 * int(1, 6) + (t % 4 === 2 ? 1 : 0), 4 * int(1, 4)];
      const xv = randomHost(rng, shape);
      // after a ReLU most windows hold exact zeros: the first zero of an all-zero window gets the gradient
      for (let i = 0; i < xv.length; i++) if (xv[i]! < 0.2) xv[i] = 0;
      for (let i = 0; i + shape[3] < xv.length; i += 11) xv[i + shape[3]] = xv[i]!; // ties across a row
      if (t % 5 === 0) xv.fill(-Infinity, 0, shape[2] * shape[3] * 2); // windows of -inf pass nothing on
      if (t % 5 === 1) for (let i = 3; i < xv.length; i += 13) xv[i] = NaN; // NaN never wins
      const run = () => {
        const x = tf.tensor4d(xv, shape);
        const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid');
        const dyShape = [shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2), shape[3]];
        const dy = tf.tensor(randomHost(new Rng(500 + t), dyShape), dyShape);
        return [tf.grad(pool)(x, dy)];
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      expect(relativeError(got[0]!, want[0]!), `case ${t} ${JSON.stringify(shape)} grad`).toBe(0);
    }
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('matches the cpu backend, including out-of-range ids, and makes gather differentiable', async () => {
    const rng = new Rng(22);
    for (let t = 0; t < 10; t++) {
      const n = 3 + t;
      const segments = 1 + (t % 4);
      const xv = randomHost(rng, [n, 3, 2]);
      const ids = Int32Array.from({ length: n }, () => Math.floor(rng.random() * (segments + 1)) - (t % 2));
      const run = () => {
        const x = tf.tensor3d(xv, [n, 3, 2]);
        const summed = tf.unsortedSegmentSum(x, tf.tensor1d(ids, 'int32'), segments);
        const table = tf.tensor2d(xv.subarray(0, 12), [6, 2]);
        const idx = tf.tensor1d(Int32Array.from({ length: n }, (_, i) => (i * 5) % 6), 'int32');
        const dy = tf.tensor2d(randomHost(new Rng(400 + t), [n, 2]), [n, 2]);
        return [summed, tf.grad((a: tf.Tensor) => tf.gather(a, idx))(table, dy)];
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      expect(relativeError(got[0]!, want[0]!), `case ${t} segment sum`).toBeLessThan(1e-6);
      expect(relativeError(got[1]!, want[1]!), `case ${t} gather grad`).toBeLessThan(1e-6);
    }
  });

  it("is Embedding's gradient: a GPT-sized table (65 x 64, 512 ids, padding_idx) matches cpu", async () => {
    const { Embedding } = await import('../../src/nn/embedding.js');
    const { manualSeed } = await import('../../src/nn/generator.js');
    const ids = Int32Array.from({ length: 512 }, (_, i) => (i * 37 + (i >> 3)) % 65);
    const cot = randomHost(new Rng(5), [16, 32, 64]);
    const run = () => {
      manualSeed(3);
      const emb = new Embedding(65, 64, { paddingIdx: 4 });
      const idx = tf.tensor2d(ids, [16, 32], 'int32');
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(emb.call(idx), tf.tensor3d(cot, [16, 32, 64]))), [emb.weight.variable]);
      const g = grads[emb.weight.variable.name]!;
      emb.dispose();
      return [g];
    };
    const want = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(relativeError(got[0]!, want[0]!)).toBeLessThan(1e-6);
    expect(Array.from(got[0]!.subarray(4 * 64, 5 * 64)).every((v) => v === 0)).toBe(true);
  });
});
