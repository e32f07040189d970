/**
 * twinml's wasm Slice and Unpack (src/backend/wasm/slice-views.ts: heap views instead of a whole-input copy per
 * slice) against the cpu backend: contiguous and strided slices, SplitV (tf.split) along every axis, unstack along
 * axis 0 and other axes, float32, int32 and bool, and the gradients of unstack/stack and of split.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost } from './helpers.js';
import { useBackend } from '../../src/backend/index.js';

const host = randomHost(new Rng(5), [4, 3, 5]);
const wideHost = randomHost(new Rng(6), [3, 4, 48]);

function cases(): tf.Tensor[] {
  const x = tf.tensor(host, [4, 3, 5]);
  const ints = tf.cast(tf.mul(x, 10), 'int32');
  const bools = tf.greater(x, 0);
  const wide = tf.tensor(wideHost, [3, 4, 48]);
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
    tf.slice(x, [1, 0, 1], [2, 3, 3]), // strided runs of 3 along the last axis
    tf.slice(x, [0, 0, 0], [4, 2, 5]), // runs of 10 (axis 1 partial, axis 2 whole)
    ...tf.split(x, [2, 1, 2], 2), // SplitV along the last axis (short runs)
    ...tf.split(x, 2, 0), // along the first axis (one run each)
    ...tf.split(ints, [1, 2], 1).map((t) => tf.cast(t, 'float32')),
    ...tf.split(bools, [4, 1], 2).map((t) => tf.cast(t, 'float32')),
    // A GPT's q/k/v split ([B, T, 3C] into three [B, T, C]: runs of C >= 16 floats) and a wide strided slice.
    ...tf.split(wide, 3, 2),
    tf.slice(wide, [1, 1, 8], [2, 2, 20]),
    tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.split(v, 3, 2)[1]!, tf.ones([3, 4, 16]))))(wide),
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
