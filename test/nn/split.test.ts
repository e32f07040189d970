/** split (torch.split / Tensor.split): pieces of a size with a shorter last one, given sections, negative dims, errors, no leaks. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { split } from '../../src/nn/tensor-helpers.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('split', () => {
  it('matches torch.arange(30.).reshape(3, 10).split(...)', () => {
    const x = tf.reshape(tf.range(0, 30), [3, 10]);
    // torch: [t.tolist() for t in x.split(4, dim=1)]
    const pieces = split(x, 4, 1);
    expect(pieces.map((t) => t.arraySync())).toEqual([
      [[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]],
      [[4, 5, 6, 7], [14, 15, 16, 17], [24, 25, 26, 27]],
      [[8, 9], [18, 19], [28, 29]],
    ]);
    // torch: x.split([1, 2], dim=0) -> [1, 10], [2, 10]; x.split(5, dim=-1) -> [3, 5] twice
    expect(split(x, [1, 2]).map((t) => t.shape)).toEqual([[1, 10], [2, 10]]);
    expect(split(x, 5, -1).map((t) => t.shape)).toEqual([[3, 5], [3, 5]]);
    expect(split(x, 12, 1).map((t) => t.shape)).toEqual([[3, 10]]);
    tf.dispose([x, ...pieces]);
  });

  it('names the bad argument', () => {
    const x = tf.zeros([3, 10]);
    expect(() => split(x, 0, 1)).toThrow(/split_size must be a positive integer, got 0/);
    expect(() => split(x, [4, 4], 1)).toThrow(/sections \[4, 4\] sum to 8, dimension 1 has 10/);
    expect(() => split(x, 2, 2)).toThrow(/dim 2 is out of range for a tensor of rank 2/);
    x.dispose();
  });

  it('leaves no tensors behind', () => {
    const x = tf.zeros([4, 6]);
    const before = tf.memory().numTensors;
    tf.dispose(split(x, 4, 1));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
