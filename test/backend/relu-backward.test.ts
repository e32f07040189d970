/** twinml's wasm TwinmlReluBackward (SIMD) against PyTorch's threshold_backward rule, computed by hand. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng.js';
import { useBackend } from '../../src/backend/index.js';
import { RELU_BACKWARD } from '../../src/backend/relu-backward.js';
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

describe("Relu's gradient", () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`follows threshold_backward on ${backend} (0 at x <= 0, dy elsewhere)${backend === 'wasm' ? ' in one TwinmlReluBackward kernel' : ''}`, async () => {
      await useBackend(backend);
      const rng = new Rng(7);
      const x = randomHost(rng, [5, 7]);
      x[0] = 0;
      x[1] = -0;
      const dy = randomHost(rng, [5, 7]);
      const run = () =>
        tf.tidy(() => {
          const g = tf.grad((t: tf.Tensor) => tf.relu(t))(tf.tensor2d(x, [5, 7]), tf.tensor2d(dy, [5, 7]));
          return g.dataSync().slice();
        });
      const want = Float32Array.from(dy, (d, i) => (x[i]! <= 0 ? 0 : d));
      // + 0 folds -0 into 0: the cpu fallback's dy * step(x) gives -0 where dy < 0, PyTorch (and wasm) 0.
      expect(Array.from(run(), (v) => v + 0)).toEqual(Array.from(want));
      const profile = await tf.profile(() => {
        run();
      });
      const names = profile.kernels.map((k) => k.name);
      if (backend === 'wasm') {
        expect(names).toContain(RELU_BACKWARD);
        expect(names).not.toContain('Step');
      } else expect(names).toContain('Step');
    });
  }
});
