/** F's seeded dropout, one_hot, pad and error messages, and the torch-named tensor helpers. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import * as F from '../../src/nn/functional/index.js';
import { cat, flatten, rand, rand_like, randint, randn, randn_like, stack } from '../../src/nn/tensor-helpers.js';
import { manual_seed } from '../../src/nn/generator.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('F', () => {
  it('dropout: seeded masks, 1/(1-p) scaling, identity when not training', () => {
    const x = tf.ones([200, 50]);
    manual_seed(5);
    const a = F.dropout(x, 0.3);
    manual_seed(5);
    const b = F.dropout(x, 0.3);
    const values = a.dataSync();
    expect(Array.from(b.dataSync())).toEqual(Array.from(values));
    const kept = values.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.7)]));
    expect(kept.length / values.length).toBeCloseTo(0.7, 1);
    const c = F.dropout(x, 0.3, false);
    expect(Array.from(c.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(() => F.dropout(x, 1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
    tf.dispose([x, a, b, c]);
  });

  it('one_hot: int32 with a trailing class dimension; errors name the values', () => {
    const y = tf.tensor2d([[0, 2], [1, 0]], [2, 2], 'int32');
    const h = F.one_hot(y, 3);
    expect(h.shape).toEqual([2, 2, 3]);
    expect(h.dtype).toBe('int32');
    expect(h.arraySync()).toEqual([[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [1, 0, 0]]]);
    expect(F.one_hot(y).shape).toEqual([2, 2, 3]);
    expect(() => F.one_hot(y, 2)).toThrow(/class values must be in \[0, 2\), got values in \[0, 2\]/);
    tf.dispose([y, h]);
  });

  it('pad: torch order (last dimension first) and clear errors', () => {
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    expect(F.pad(x, [1, 0]).arraySync()).toEqual([[0, 1, 2, 3], [0, 4, 5, 6]]);
    expect(F.pad(x, [0, 0, 1, 0], { value: 9 }).arraySync()).toEqual([[9, 9, 9], [1, 2, 3], [4, 5, 6]]);
    expect(F.pad(x, [2, 1], { mode: 'reflect' }).arraySync()).toEqual([[3, 2, 1, 2, 3, 2], [6, 5, 4, 5, 6, 5]]);
    expect(F.pad(x, [1, 2], { mode: 'replicate' }).arraySync()).toEqual([[1, 1, 2, 3, 3, 3], [4, 4, 5, 6, 6, 6]]);
    expect(F.pad(x, [1, 1], { mode: 'circular' }).arraySync()).toEqual([[3, 1, 2, 3, 1], [6, 4, 5, 6, 4]]);
    expect(() => F.pad(x, [1])).toThrow(/\(before, after\) pairs/);
    expect(() => F.pad(x, [3, 0], { mode: 'reflect' })).toThrow(/reflect padding \(3, 0\) must be smaller than dimension 1 \(size 3\)/);
    x.dispose();
  });

  it('softmax / log_softmax name a bad dim', () => {
    const x = tf.zeros([2, 3]);
    expect(() => F.softmax(x, 2)).toThrow(/F.softmax: dim 2 is out of range for an input of rank 2/);
    x.dispose();
  });

  it('cross_entropy rejects out-of-range targets and mis-shaped targets with the shapes', () => {
    const x = tf.zeros([3, 4]);
    expect(() => F.cross_entropy(x, tf.tensor1d([0, 4, 1], 'int32'))).toThrow(/Target 4 is out of bounds: classes are 0..3/);
    expect(() => F.nll_loss(x, tf.tensor1d([0, 1], 'int32'))).toThrow(/expected class-index target of shape \[3\], got \[2\]/);
    expect(() => F.mse_loss(x, tf.zeros([3]))).toThrow(/mse_loss: input \[3, 4\] and target \[3\] differ in shape/);
    expect(() => F.cross_entropy(x, tf.tensor1d([0, 1, 2], 'int32'), { reduction: 'avg' as never })).toThrow(/reduction must be 'mean', 'sum' or 'none', got 'avg'/);
    x.dispose();
  });
});

describe('tensor helpers (torch names)', () => {
  it('flatten, cat, stack follow torch dims', () => {
    const x = tf.zeros([2, 3, 4, 5]);
    expect(flatten(x).shape).toEqual([120]);
    expect(flatten(x, 1).shape).toEqual([2, 60]);
    expect(flatten(x, 1, 2).shape).toEqual([2, 12, 5]);
    expect(F.flatten(x, -2).shape).toEqual([2, 3, 20]);
    expect(cat([x, x], 1).shape).toEqual([2, 6, 4, 5]);
    expect(cat([x, x], -1).shape).toEqual([2, 3, 4, 10]);
    expect(stack([x, x], 0).shape).toEqual([2, 2, 3, 4, 5]);
    expect(stack([x, x], -1).shape).toEqual([2, 3, 4, 5, 2]);
    expect(() => cat([])).toThrow(/non-empty/);
    expect(() => flatten(x, 3, 1)).toThrow(/flatten\(start_dim=3, end_dim=1\)/);
    x.dispose();
  });

  it('randn / rand / randint / *_like draw from the seeded generator', () => {
    manual_seed(42);
    const a = randn([1000]);
    const u = rand([1000]);
    const i = randint(3, 7, [500]);
    manual_seed(42);
    const b = randn([1000]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const av = Array.from(a.dataSync());
    const mean = av.reduce((s, v) => s + v, 0) / av.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    const uv = Array.from(u.dataSync());
    expect(Math.min(...uv)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uv)).toBeLessThan(1);
    expect(new Set(i.dataSync())).toEqual(new Set([3, 4, 5, 6]));
    expect(i.dtype).toBe('int32');
    const like = randn_like(tf.zeros([2, 3]));
    const rl = rand_like(like);
    expect(like.shape).toEqual([2, 3]);
    expect(rl.shape).toEqual([2, 3]);
    expect(() => randn([2, -1])).toThrow(/shape must be non-negative integers/);
    tf.dispose([a, b, u, i, like, rl]);
  });
});
