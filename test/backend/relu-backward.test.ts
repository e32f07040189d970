/** twinml's wasm TwinmlReluBackward (SIMD) against PyTorch's threshold_backward rule, computed by hand. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng.js';
import { useBackend } from '../../src/backend/index.js';
import { RELU_BACKWARD } from '../../src/backend/fused-conv2d-grad.js';
import { randomHost } from './helpers.js';

describe('TwinmlReluBackward on wasm', () => {
  it('passes dy where the ReLU output is > 0 or NaN and zero elsewhere, including the non-multiple-of-4 tail', async () => {
    await useBackend('wasm');
    const rng = new Rng(41);
    for (const n of [1, 3, 4, 7, 64, 1029]) {
      const y = randomHost(rng, [n]).map((v) => Math.max(v, 0));
      if (n > 3) y[2] = NaN;
      const dy = randomHost(rng, [n]);
      const got = tf.tidy(() => (tf.engine().runKernel(RELU_BACKWARD, { dy: tf.tensor1d(dy), y: tf.tensor1d(y) }) as tf.Tensor).dataSync());
      const want = Float32Array.from(dy, (d, i) => (y[i]! <= 0 ? 0 : d));
      expect(Array.from(got), `n=${n}`).toEqual(Array.from(want));
    }
  });
});
