/**
 * twinml's wasm Slice and Unpack (src/backend/wasm/slice-views.ts: heap views instead of a whole-input copy per
 * slice) against the cpu backend: contiguous and strided slices, unstack along axis 0 and other axes, float32,
 * int32 and bool, and the gradient of unstack/stack.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost } from './helpers.js';
import { useBackend } from '../../src/backend/index.js';

const host = randomHost(new Rng(5), [4, 3, 5]);

function cases(): tf.Tensor[] {
  const x = tf.tensor(host, [4, 3, 5]);
  const ints = tf.cast(tf.mul(x, 10), 'int32');
  const bools = tf.greater(x, 0);
  const out: tf.Tensor[] = [
    tf.slice(x, [1, 0, 0], [2, 3, 5]), // contiguous
    tf.slice(x, [2, 1, 0], [1, 2, 5]), // contiguous inside one row block
    tf.slice(x, [0, 1, 2], [3, 2, 2]), // strided
    tf.cast(tf.slice(ints, [1, 0, 0], [3, 3, 5]), 'float32'),
    tf.cast(tf.slice(bools, [3, 0, 0], [1, 3, 5]), 'float32'),
    ...tf.unstack(x),
    ...tf.unstack(x, 1),
    ...tf.unstack(ints).map((t) => tf.cast(t, 'float32')),
    tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.stack(tf.unstack(v).reverse()), tf.reshape(tf.range(0, 60), [4, 3, 5]))))(x),
  ];
  return out;
}

describe('wasm Slice and Unpack on heap views', () => {
  it('match the cpu backend', async () => {
    const want = await onBackend('cpu', cases);
    const got = await onBackend('wasm', cases);
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(Array.from(got[i]!), `case ${i}`).toEqual(Array.from(w)));
  });
});
