/**
 * F.conv2d on NCHW: the wasm backend's native NCHW kernels (TwinmlConv2DNCHW: im2col + SIMD GEMM with bias and
 * ReLU in its store; its filter gradient; the input gradient as the same kernel with the flipped filter) against
 * the cpu backend (tfjs's NHWC convolution between transposes): outputs and the gradients of x, weight and bias,
 * for odd shapes, asymmetric and 'same' padding, dilation, Co % 4 != 0 and Ci % 4 != 0 (the kernel's composed
 * fallback), and geometries the native path leaves out (strides, groups). Then which kernels a functional CNN's
 * training step runs on wasm, and that it leaks nothing.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { runsConv2dNCHW } from '../../src/backend/conv2d-nchw.js';
import { conv2d, relu, type Conv2dFunctionalOptions } from '../../src/nn/functional/layers.js';
import { convGeometry } from '../../src/nn/conv-functional.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';

interface Case {
  name: string;
  x: [number, number, number, number];
  /** [Co, Ci/groups, kh, kw] */
  w: [number, number, number, number];
  options: Conv2dFunctionalOptions;
  bias: boolean;
  relu: boolean;
  /** whether wasm runs it on the native NCHW kernel */
  native: boolean;
}

const cases: Case[] = [
  { name: 'zoo layer 2 shape, bias + relu', x: [3, 16, 14, 14], w: [32, 16, 3, 3], options: { padding: 1 }, bias: true, relu: true, native: true },
  { name: 'first layer (Ci 1), 28x28', x: [2, 1, 28, 28], w: [16, 1, 3, 3], options: { padding: 1 }, bias: true, relu: true, native: true },
  { name: 'odd sizes, no padding, no bias', x: [2, 8, 9, 7], w: [12, 8, 3, 2], options: {}, bias: false, relu: false, native: true },
  { name: 'Co % 4 != 0 (composed)', x: [2, 4, 6, 5], w: [6, 4, 3, 3], options: { padding: 1 }, bias: true, relu: true, native: true },
  { name: 'Ci % 4 != 0 (input gradient composed)', x: [2, 3, 7, 8], w: [8, 3, 3, 3], options: { padding: [1, 0] }, bias: true, relu: false, native: true },
  { name: "padding 'same', even kernel (asymmetric)", x: [2, 4, 6, 7], w: [8, 4, 4, 2], options: { padding: 'same' }, bias: true, relu: false, native: true },
  { name: 'dilation 2', x: [2, 4, 9, 8], w: [4, 4, 3, 3], options: { padding: 2, dilation: 2 }, bias: true, relu: true, native: true },
  { name: '1x1 kernel', x: [2, 8, 5, 5], w: [16, 8, 1, 1], options: {}, bias: true, relu: false, native: true },
  { name: 'stride 2 (transposing path)', x: [2, 4, 9, 9], w: [8, 4, 3, 3], options: { stride: 2, padding: 1 }, bias: true, relu: true, native: false },
  { name: 'groups 2 (transposing path)', x: [2, 4, 6, 6], w: [8, 2, 3, 3], options: { groups: 2, padding: 1 }, bias: true, relu: false, native: false },
  { name: 'padding beyond the kernel (transposing path)', x: [1, 4, 5, 5], w: [4, 4, 1, 1], options: { padding: 1 }, bias: false, relu: false, native: false },
];

/** [y, dx, dw, dbias?] of sum(y * cotangent) for y = [relu](F.conv2d(x, w, b)). */
function run(c: Case): tf.Tensor[] {
  const rng = new Rng(c.x.reduce((a, b) => a * 31 + b, 7) + c.w.reduce((a, b) => a * 17 + b, 3));
  const x = tf.tensor4d(randomHost(rng, c.x), c.x);
  const w = tf.tensor4d(randomHost(rng, c.w), c.w);
  const b = tf.tensor1d(randomHost(rng, [c.w[0]]));
  const forward = (...args: tf.Tensor[]): tf.Tensor => {
    const y = conv2d(args[0]!, args[1]!, c.bias ? args[2]! : null, c.options);
    return c.relu ? relu(y) : y;
  };
  const args = c.bias ? [x, w, b] : [x, w];
  const y = forward(...args);
  const cotangent = tf.tensor(randomHost(rng, y.shape), y.shape);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(forward(...xs), cotangent)))(args);
  return [y, ...grads];
}

describe('F.conv2d on NCHW: wasm (native NCHW kernels) against cpu', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const want = await onBackend('cpu', () => run(c));
      await useBackend('wasm');
      const g = convGeometry('test', [c.w[2], c.w[3]], c.options);
      expect(runsConv2dNCHW(c.options.groups ?? 1, g, [c.w[2], c.w[3]])).toBe(c.native);
      const got = await onBackend('wasm', () => run(c));
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        expect(got[i]!.length).toBe(want[i]!.length);
        expect(relativeError(got[i]!, want[i]!), `output ${i}`).toBeLessThan(1e-5);
      }
    });
  }
});
