/**
 * The torch backend's own native kernels (native/torch-backend/fused.cc) against the ATen composition they replace
 * (bit for bit) and against the cpu backend: TwinmlSoftmaxCrossEntropy (ATen log_softmax + exp, then one loop over
 * the rows) with ignore_index rows and an out-of-range target; convolutions whose input has one channel (viewed as
 * channels_last so that ATen keeps the network channels_last) forward and gradients, then max pooling after them;
 * non-overlapping max pooling on NHWC (maxPoolNhwc: 2x2 and 3x3 windows, channel counts that leave every AVX2 tail,
 * odd sizes, NaN, -inf and tied maxima) against ATen's max_pool2d_with_indices and its backward (`referencePath`).
 * Skipped with one line without the addon.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { SOFTMAX_CROSS_ENTROPY } from '../../src/backend/wasm/cross-entropy-kernel.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';
import { torchAvailable, torchTitle } from './torch-helpers.js';

const suite = torchAvailable ? describe : describe.skip;

function crossEntropy(logits: tf.Tensor, target: tf.Tensor, ignoreIndex: number, referencePath: boolean): Float32Array[] {
  const out = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, target }, { ignoreIndex, referencePath } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const values = out.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(out);
  return values;
}

suite(torchTitle('torch native kernels'), () => {
  it('TwinmlSoftmaxCrossEntropy equals the ATen composition (nll_loss, one_hot) bit for bit', async () => {
    await useBackend('torch');
    const rng = new Rng(3);
    for (const [n, c, ignoreIndex] of [[64, 10, -100], [13, 7, 2], [5, 1000, -1], [1, 3, -100]] as const) {
      const x = randomHost(rng, [n, c]).map((v) => v * 8);
      x[0] = 90;
      const y = Int32Array.from({ length: n }, (_, i) => (i % 4 === 3 ? ignoreIndex : Math.floor(rng.random() * c)));
      const logits = tf.tensor2d(x, [n, c]);
      const target = tf.tensor1d(y, 'int32');
      const fast = crossEntropy(logits, target, ignoreIndex, false);
      const reference = crossEntropy(logits, target, ignoreIndex, true);
      ['loss', 'grad', 'count'].forEach((what, k) => {
        const a = fast[k]!;
        const b = reference[k]!;
        const first = a.findIndex((v, i) => !Object.is(v, b[i]));
        expect(first, `[${n}, ${c}] ignore ${ignoreIndex}: ${what} differs first at ${first} (${a[first]} vs ${b[first]})`).toBe(-1);
      });
      expect(fast[2]![0]).toBe(y.filter((v) => v !== ignoreIndex).length);
      tf.dispose([logits, target]);
    }
  });

  it('TwinmlSoftmaxCrossEntropy names an out-of-range target', async () => {
    await useBackend('torch');
    const logits = tf.zeros([2, 3]);
    const target = tf.tensor1d([1, 3], 'int32');
    expect(() => crossEntropy(logits, target, -100, false)).toThrow(/target 3 is out of bounds/);
    tf.dispose([logits, target]);
  });

  it('a 1-channel convolution, ReLU and max pooling (forward and gradients) match cpu', async () => {
    const rng = new Rng(8);
    const x = randomHost(rng, [4, 1, 12, 10]);
    const w1 = randomHost(rng, [3, 3, 1, 6]);
    const w2 = randomHost(rng, [3, 3, 6, 5]);
    const cot = randomHost(rng, [4, 3, 2, 5]);
    const run = () => {
      const input = tf.transpose(tf.tensor4d(x, [4, 1, 12, 10]), [0, 2, 3, 1]) as tf.Tensor4D; // NCHW -> NHWC view
      const f1 = tf.tensor4d(w1, [3, 3, 1, 6]);
      const f2 = tf.tensor4d(w2, [3, 3, 6, 5]);
      const net = (a: tf.Tensor4D, k1: tf.Tensor4D, k2: tf.Tensor4D) => {
        const h = tf.maxPool(tf.relu(tf.conv2d(a, k1, 1, 'same')), 2, 2, 'valid');
        return tf.maxPool(tf.relu(tf.conv2d(h, k2, 1, 'same')), 2, 2, 'valid');
      };
      const y = net(input, f1, f2);
      const grads = tf.grads((a: tf.Tensor, k1: tf.Tensor, k2: tf.Tensor) => tf.sum(tf.mul(net(a as tf.Tensor4D, k1 as tf.Tensor4D, k2 as tf.Tensor4D), tf.tensor4d(cot, [4, 3, 2, 5]))))([input, f1, f2]);
      return [y, ...grads];
    };
    const want = await onBackend('cpu', run);
    const got = await onBackend('torch', run);
    ['y', 'dx', 'dw1', 'dw2'].forEach((label, i) => expect(relativeError(got[i]!, want[i]!), label).toBeLessThanOrEqual(1e-5));
  });

  it("max pooling with kernel = stride equals ATen's kernel and its gradient bit for bit", async () => {
    await useBackend('torch');
    const rng = new Rng(21);
    const before = tf.memory().numTensors;
    for (const [n, h, w, c, k] of [[3, 8, 6, 16, 2], [2, 7, 9, 13, 2], [1, 9, 9, 1, 3], [2, 5, 4, 27, 2], [4, 28, 28, 8, 2]] as const) {
      const x = randomHost(rng, [n, h, w, c]);
      // ties (a whole window of equal values), NaN and -inf
      for (let i = 0; i < x.length; i += 7) x[i] = 0.25;
      x[3] = NaN;
      x[x.length - 2] = -Infinity;
      x[c * 2 + 1] = -Infinity;
      const xt = tf.tensor4d(x, [n, h, w, c]);
      const ho = Math.floor(h / k);
      const wo = Math.floor(w / k);
      const dy = tf.tensor4d(randomHost(rng, [n, ho, wo, c]).map((v, i) => (i % 11 === 4 ? -0 : v)), [n, ho, wo, c]);
      const attrs = (referencePath: boolean) => ({ filterSize: [k, k], strides: [k, k], pad: 'valid', referencePath }) as unknown as tf.NamedAttrMap;
      const results = [false, true].map((referencePath) => {
        const y = tf.engine().runKernel('MaxPool', { x: xt }, attrs(referencePath)) as tf.Tensor;
        const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: xt, output: y }, attrs(referencePath)) as tf.Tensor;
        const dxFresh = tf.engine().runKernel('MaxPoolGrad', { dy, input: xt }, attrs(referencePath)) as tf.Tensor;
        const out = [y, dx, dxFresh].map((t) => Float32Array.from(t.dataSync()));
        tf.dispose([y, dx, dxFresh]);
        return out;
      });
      ['y', 'dx (kept positions)', 'dx (recomputed)'].forEach((what, i) => {
        const a = results[0]![i]!;
        const b = results[1]![i]!;
        const first = a.findIndex((v, j) => !Object.is(v, b[j]));
        expect(first, `[${n}, ${h}, ${w}, ${c}] k=${k}: ${what} differs first at ${first} (${a[first]} vs ATen ${b[first]})`).toBe(-1);
      });
      tf.dispose([xt, dy]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
