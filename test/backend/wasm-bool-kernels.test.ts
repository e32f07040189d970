/**
 * tf.where and tf.reverse on bool tensors on wasm (src/backend/wasm/bool-via-int32.ts). tfjs-backend-wasm's own
 * Select and Reverse treat every element as 4 bytes: on 1-byte bool data Select wrote past its output (the next
 * unrelated dispose then failed with "memory access out of bounds"; `tril` of a bool mask in a KV-cache export
 * hit it) and Reverse aborted. Checked against the cpu backend, then that the heap still serves a burst of
 * allocations, and that nothing leaks.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from './helpers.js';
import { useBackend } from '../../src/backend/index.js';
import { tril, triu } from '../../src/nn/tensor-ops.js';

const mask = (shape: number[], seed: number) =>
  tf.tensor(Uint8Array.from({ length: shape.reduce((a, c) => a * c, 1) }, (_, i) => ((i + seed) * 7) % 3 === 0 ? 1 : 0), shape, 'bool');

function cases(): tf.Tensor[] {
  const a = mask([3, 5], 0);
  const b = mask([3, 5], 1);
  const cond = mask([3, 5], 2);
  return [
    tf.where(cond, a, b), // same shapes
    tf.where(mask([5], 4), a, b), // a broadcast condition
    tf.where(tf.scalar(true, 'bool'), mask([2, 2], 3), mask([2, 2], 5)), // a scalar condition
    tf.where(mask([2, 3, 4], 6), mask([2, 3, 4], 7), mask([2, 3, 4], 8)), // rank 3, 24 bytes (not a multiple of 4 rows)
    tril(tf.ones([2, 5], 'bool'), 3), // the KV-cache mask: tril(ones(T, P + T), P)
    triu(mask([4, 7], 9), -1),
    tf.reverse(mask([15], 1), 0),
    tf.reverse(mask([3, 5], 2), 1),
    tf.reverse(mask([2, 3, 4], 3), [0, 2]),
    tf.where(cond, tf.cast(a, 'int32'), tf.cast(b, 'int32')), // int32 and float32 keep the backend's own kernels
    tf.reverse(tf.reshape(tf.range(0, 12), [3, 4]), 1),
  ].map((t) => tf.cast(t, 'float32'));
}

describe('wasm Select and Reverse on bool tensors', () => {
  it('match the cpu backend, leave the heap usable and leak nothing', async () => {
    const want = await onBackend('cpu', cases);
    await useBackend('wasm');
    tf.tidy(cases); // once, for the backend's lazily created state
    const before = tf.memory().numTensors;
    const got = await onBackend('wasm', cases);
    expect(got.length).toBe(want.length);
    want.forEach((w, i) => expect(Array.from(got[i]!), `case ${i}`).toEqual(Array.from(w)));
    // A corrupted heap shows up in the next allocations and disposals, not in the kernel that corrupted it.
    for (let i = 0; i < 300; i++) tf.tidy(() => tf.add(tf.ones([(i % 17) + 1, 3]), 1).dataSync());
    expect(tf.memory().numTensors).toBe(before);
  });
});
