/** masked_fill, triu, tril, topk and multinomial: values, seeded sampling, errors, no leaks (parity vs torch: parity-tests/layers/sequence.test.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { masked_fill, multinomial, topk, triu, tril } from '../../src/nn/tensor-ops.js';
import { manual_seed } from '../../src/nn/generator.js';
import { Rng } from '../../src/util/rng.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('tensor ops', () => {
  it('triu / tril keep the triangles of the last two dimensions', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4]);
    expect(Array.from(triu(x).dataSync())).toEqual([1, 2, 3, 4, 0, 6, 7, 8, 0, 0, 11, 12]);
    expect(Array.from(triu(x, 1).dataSync())).toEqual([0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12]);
    expect(Array.from(tril(x).dataSync())).toEqual([1, 0, 0, 0, 5, 6, 0, 0, 9, 10, 11, 0]);
    expect(Array.from(tril(x, -1).dataSync())).toEqual([0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0]);
    expect(() => triu(tf.ones([3]))).toThrow(/at least 2 dimensions, got shape \[3\]/);
    x.dispose();
  });

  it('masked_fill broadcasts the mask and requires bool', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const m = tf.tensor1d([true, false, true], 'bool');
    const y = masked_fill(x, m, -Infinity);
    expect(Array.from(y.dataSync())).toEqual([-Infinity, 2, -Infinity, -Infinity, 5, -Infinity]);
    expect(() => masked_fill(x, tf.tensor1d([1, 0, 1], 'int32'), 0)).toThrow(/mask must be a bool tensor, got int32/);
    expect(() => masked_fill(x, tf.tensor1d([true, false], 'bool'), 0)).toThrow();
    tf.dispose([x, m, y]);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2);
  });

  it('topk returns sorted values and int32 indices along any dim, largest or smallest', () => {
    const x = tf.tensor2d([3, 1, 4, 1.5, 9, 2, 6, 5], [2, 4]);
    const a = topk(x, 2);
    expect(Array.from(a.values.dataSync())).toEqual([4, 3, 9, 6]);
    expect(a.indices.dtype).toBe('int32');
    expect(Array.from(a.indices.dataSync())).toEqual([2, 0, 0, 2]);
    const b = topk(x, 1, { dim: 0, largest: false });
    expect(b.values.shape).toEqual([1, 4]);
    expect(Array.from(b.values.dataSync())).toEqual([3, 1, 4, 1.5]);
    expect(Array.from(b.indices.dataSync())).toEqual([0, 0, 0, 0]);
    expect(() => topk(x, 5)).toThrow(/k must be an integer in \[0, 4\]/);
    tf.dispose([x, a.values, a.indices, b.values, b.indices]);
  });

  it('multinomial: same seed same draws; without replacement never repeats; frequencies follow the weights', () => {
    const probs = tf.tensor2d([0.1, 0.2, 0.7, 0, 0.5, 0.5, 0, 0], [2, 4]);
    manual_seed(3);
    const a = multinomial(probs, 2);
    manual_seed(3);
    const b = multinomial(probs, 2);
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const rows = a.arraySync() as number[][];
    expect(rows[0]![0]).not.toBe(rows[0]![1]);
    expect(new Set(rows[1])).toEqual(new Set([0, 1]));
    // 20000 draws with replacement: each frequency within 0.015 of its weight.
    const w = tf.tensor1d([1, 3, 0, 6]);
    const draws = multinomial(w, 20000, { replacement: true, generator: new Rng(11) }).dataSync();
    const counts = [0, 0, 0, 0];
    for (const d of draws) counts[d]! += 1;
    expect(counts[2]).toBe(0);
    [0.1, 0.3, 0, 0.6].forEach((p, i) => expect(Math.abs(counts[i]! / 20000 - p)).toBeLessThan(0.015));
    expect(() => multinomial(probs, 3)).toThrow(/cannot draw 3 samples without replacement from row 0, which has 3 non-zero categories|row 1, which has 2/);
    expect(() => multinomial(tf.tensor1d([0, 0]), 1)).toThrow(/row 0 sums to 0/);
    expect(() => multinomial(tf.tensor1d([1, -1]), 1)).toThrow(/negative, infinite or NaN weight/);
    tf.dispose([probs, a, b, w]);
  });
});
