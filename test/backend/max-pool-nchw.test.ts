/**
 * F.max_pool2d on NCHW: the wasm backend's native 2x2 stride-2 kernels (TwinmlMaxPool2x2NCHW and its gradient:
 * four windows per SIMD step, the last Wo % 4 one by one) against the cpu backend (tfjs's NHWC pooling between
 * transposes): output and input gradient for even and odd sizes, ties (the first maximum takes the gradient),
 * NaN and -inf windows, and geometries the native kernel leaves out.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { runsMaxPool2dNCHW } from '../../src/backend/max-pool-nchw.js';
import { max_pool2d, type MaxPool2dFunctionalOptions } from '../../src/nn/functional/layers.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';

interface Case {
  name: string;
  shape: [number, number, number, number];
  kernel: number;
  options: MaxPool2dFunctionalOptions;
  native: boolean;
  /** values rounded to this many levels (ties), and special values planted */
  levels?: number;
  special?: boolean;
}

const cases: Case[] = [
  { name: 'the zoo CNN first pooling (28x28, 16 channels)', shape: [2, 16, 28, 28], kernel: 2, options: {}, native: true },
  { name: 'odd sizes (7x9): last row and column in no window', shape: [2, 3, 7, 9], kernel: 2, options: {}, native: true },
  { name: 'Wo % 4 == 0 and 1x1 outputs', shape: [3, 2, 2, 16], kernel: 2, options: {}, native: true },
  { name: 'rows of three windows, odd sizes (the zoo CNN third pooling, 7x7)', shape: [2, 5, 7, 7], kernel: 2, options: {}, native: true },
  { name: 'rows of one and of two windows', shape: [2, 3, 5, 3], kernel: 2, options: {}, native: true, levels: 2 },
  { name: 'rows of two windows', shape: [3, 2, 4, 5], kernel: 2, options: {}, native: true, levels: 2 },
  { name: 'ties: the first maximum takes the gradient', shape: [2, 4, 10, 12], kernel: 2, options: {}, native: true, levels: 3 },
  { name: 'NaN and -inf windows', shape: [1, 2, 6, 10], kernel: 2, options: {}, native: true, special: true },
  { name: 'ceil_mode on an odd size (transposing path)', shape: [1, 2, 7, 7], kernel: 2, options: { ceilMode: true }, native: false },
  { name: '3x3 stride 2 padding 1 (transposing path)', shape: [1, 4, 9, 8], kernel: 3, options: { stride: 2, padding: 1 }, native: false },
];

function input(c: Case): Float32Array {
  const rng = new Rng(c.shape.reduce((a, b) => a * 31 + b, 11));
  const values = randomHost(rng, c.shape);
  if (c.levels) for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]! * c.levels);
  if (c.special) {
    const w = c.shape[3];
    // window (0, 0): NaN first; window (0, 1): all -inf; window (0, 2): NaN everywhere; window (0, 3): NaN last
    values[0] = NaN;
    for (const at of [2, 3, w + 2, w + 3]) values[at] = -Infinity;
    for (const at of [4, 5, w + 4, w + 5]) values[at] = NaN;
    values[w + 7] = NaN;
  }
  return values;
}

/** [y, dx] of sum(y * cotangent). */
function run(c: Case): tf.Tensor[] {
  const x = tf.tensor4d(input(c), c.shape);
  const y = max_pool2d(x, c.kernel, c.options);
  const cotangent = tf.tensor(randomHost(new Rng(5), y.shape), y.shape);
  const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(max_pool2d(v, c.kernel, c.options), cotangent)))(x);
  return [y, dx];
}

describe('F.max_pool2d on NCHW: wasm (native NCHW kernels) against cpu', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const want = await onBackend('cpu', () => run(c));
      await useBackend('wasm');
      const [, , h, w] = c.shape;
      const k = c.kernel;
      const s = c.options.stride ?? k;
      const p = c.options.padding ?? 0;
      const out = [h, w].map((d) => (c.options.ceilMode ? Math.ceil : Math.floor)((d + 2 * Number(p) - k) / Number(s)) + 1);
      expect(runsMaxPool2dNCHW([k, k], [Number(s), Number(s)], [Number(p), Number(p)], [h, w], out)).toBe(c.native);
      const got = await onBackend('wasm', () => run(c));
      expect(Array.from(got[0]!), 'output').toEqual(Array.from(want[0]!));
      // overlapping windows (the transposing path) sum gradients in another order: one float32 rounding apart
      if (c.native) expect(Array.from(got[1]!), 'input gradient').toEqual(Array.from(want[1]!));
      else expect(relativeError(got[1]!, want[1]!), 'input gradient').toBeLessThan(1e-6);
    });
  }
});
