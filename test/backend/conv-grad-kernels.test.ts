/**
 * twinml's convolution-gradient kernels (src/backend/wasm/conv2d-backprop.ts, depthwise-backprop.ts) against the
 * cpu backend's own kernels on random shapes, strides, paddings and dilations. Dilated cases are checked against
 * an independent cpu reference: a dilation-1 convolution with the zero-dilated filter.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng.js';
import { registerDilatedConvGradKernels } from '../../src/backend/wasm/register.js';
import { TWINML_CONV2D_BACKPROP_FILTER, TWINML_CONV2D_BACKPROP_INPUT } from '../../src/backend/wasm/conv2d-backprop.js';
import { onBackend, randomHost, relativeError } from './helpers.js';

type Explicit = [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: number[];
  f: number[];
  strides: [number, number];
  dilations: [number, number];
  pad: Explicit | 'same' | 'valid';
}

function outSize(size: number, k: number, s: number, d: number, p0: number, p1: number): number {
  return Math.floor((size + p0 + p1 - (k - 1) * d - 1) / s) + 1;
}

function randomCase(rng: Rng, dilated: boolean, depthwise: boolean, inChannels: [number, number] = [1, 4]): Case {
  for (;;) {
    const int = (lo: number, hi: number) => lo + Math.floor(rng.random() * (hi - lo + 1));
    const n = int(1, 3);
    const h = int(4, 11);
    const w = int(4, 11);
    const ci = int(inChannels[0], inChannels[1]);
    const co = depthwise ? int(1, 3) : int(1, 5);
    const kh = int(1, 4);
    const kw = int(1, 4);
    const strides: [number, number] = [int(1, 3), int(1, 3)];
    const dilations: [number, number] = dilated ? [int(1, 3), int(2, 3)] : [1, 1];
    const choice = rng.random();
    // 'same' only with stride 1: the wasm backend's own forward Conv2D disagrees with cpu for 'same' with stride > 1.
    const pad: Case['pad'] = choice < 0.15 ? 'valid' : choice < 0.3 && !dilated && strides[0] === 1 && strides[1] === 1 ? 'same' : [[0, 0], [int(0, 2), int(0, 2)], [int(0, 2), int(0, 2)], [0, 0]];
    const p = typeof pad === 'string' ? [[0, 0], [0, 0], [0, 0], [0, 0]] : pad;
    if (outSize(h, kh, strides[0], dilations[0], p[1]![0]!, p[1]![1]!) < 1 || outSize(w, kw, strides[1], dilations[1], p[2]![0]!, p[2]![1]!) < 1) continue;
    // tfjs's depthwise op rejects strides > 1 together with dilations > 1
    if (depthwise && dilated && (strides[0] > 1 || strides[1] > 1)) continue;
    return { x: [n, h, w, ci], f: [kh, kw, ci, co], strides, dilations, pad };
  }
}

/** A zero-dilated filter [kh, kw, ...] -> [(kh-1)*dh+1, (kw-1)*dw+1, ...], built from differentiable ops. */
function dilateFilter(f: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [kh, kw, a, b] = f.shape;
  const r = tf.reshape(f, [kh, 1, kw, 1, a * b]);
  const p = tf.pad(r, [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0]]);
  const full = tf.reshape(p, [kh * dh, kw * dw, a, b]);
  return tf.slice(full, [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b]) as tf.Tensor4D;
}

describe('Conv2DBackpropInput / Conv2DBackpropFilter on wasm', () => {
  /** Forward, input and filter gradients of `cases` random dilation-1 geometries: wasm against cpu, <= 1e-5 relative. */
  async function expectRandomConvGradsMatchCpu(seed: number, cases: number, channels?: [number, number]): Promise<void> {
    const rng = new Rng(seed);
    for (let t = 0; t < cases; t++) {
      const c = randomCase(rng, false, false, channels);
      const xv = randomHost(rng, c.x);
      const fv = randomHost(rng, c.f);
      const run = () => {
        const x = tf.tensor4d(xv, c.x as [number, number, number, number]);
        const f = tf.tensor4d(fv, c.f as [number, number, number, number]);
        const y = tf.conv2d(x, f, c.strides, c.pad, 'NHWC');
        const dy = tf.tensor(randomHost(new Rng(t), y.shape), y.shape);
        const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad, 'NHWC'))([x, f], dy);
        return [y, gx!, gf!];
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      for (let i = 0; i < 3; i++) {
        expect(relativeError(got[i]!, want[i]!), `case ${t} ${JSON.stringify(c)} output ${i}`).toBeLessThan(1e-5);
      }
    }
  }

  it('match the cpu backend on 40 random geometries (dilation 1)', async () => {
    await expectRandomConvGradsMatchCpu(11, 40);
  });

  it('match the cpu backend with 6 to 12 input channels (im2col + GEMM at stride 1 or below 8 channels, else the convolution formulation)', async () => {
    await expectRandomConvGradsMatchCpu(14, 20, [6, 12]);
  });

  it('match the cpu backend for few input channels and 16/32 output channels (SIMD columns and small-output GEMM)', async () => {
    const rng = new Rng(15);
    for (let t = 0; t < 16; t++) {
      // t >= 12: 3x3 with padding 1 at stride 1 (output size = input size, the CNN's case)
      const same = t >= 12;
      const ci = 1 + (t % 3);
      const co = t % 2 === 0 ? 16 : 32;
      const stride: [number, number] = same || t % 4 < 2 ? [1, 1] : [2, 1];
      const kernel: [number, number] = !same && t % 3 === 0 ? [1, 3] : [3, 3];
      const xShape: [number, number, number, number] = [1 + (t % 2), 9 + (t % 4), 8 + (t % 3), ci];
      const fShape: [number, number, number, number] = [kernel[0], kernel[1], ci, co];
      const pad: Explicit = same ? [[0, 0], [1, 1], [1, 1], [0, 0]] : [[0, 0], [t % 2, 1], [1, t % 3 === 2 ? 2 : 1], [0, 0]];
      const xv = randomHost(rng, xShape);
      const fv = randomHost(rng, fShape);
      const run = () => {
        const x = tf.tensor4d(xv, xShape);
        const f = tf.tensor4d(fv, fShape);
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad, 'NHWC');
        const y = conv(x, f);
        const dy = tf.tensor(randomHost(new Rng(700 + t), y.shape), y.shape);
        const [gx, gf] = tf.grads(conv)([x, f], dy);
        return [gx!, gf!];
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      for (let i = 0; i < 2; i++) {
        expect(relativeError(got[i]!, want[i]!), `case ${t} ${JSON.stringify({ xShape, fShape, stride, pad })} grad ${i}`).toBeLessThan(1e-5);
      }
    }
  });

  it('dilation-aware kernels match a dilated-filter reference on wasm and cpu (30 random geometries)', async () => {
    const rng = new Rng(12);
    for (let t = 0; t < 30; t++) {
      const c = randomCase(rng, true, false);
      const xv = randomHost(rng, c.x);
      const fv = randomHost(rng, c.f);
      const pad = c.pad as Explicit | 'valid';
      const shapes = () => ({ x: tf.tensor4d(xv, c.x as [number, number, number, number]), f: tf.tensor4d(fv, c.f as [number, number, number, number]) });
      const reference = () => {
        const { x, f } = shapes();
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, dilateFilter(b as tf.Tensor4D, c.dilations), c.strides, pad, 'NHWC');
        const y = conv(x, f);
        const dy = tf.tensor(randomHost(new Rng(100 + t), y.shape), y.shape);
        const [gx, gf] = tf.grads(conv)([x, f], dy);
        return [gx!, gf!];
      };
      const twinml = () => {
        const { x, f } = shapes();
        const y = tf.conv2d(x, dilateFilter(f, c.dilations), c.strides, pad, 'NHWC');
        const dy = tf.tensor(randomHost(new Rng(100 + t), y.shape), y.shape);
        const attrs = { strides: c.strides, pad, dilations: c.dilations, dataFormat: 'NHWC' };
        const gx = tf.engine().runKernel(TWINML_CONV2D_BACKPROP_INPUT, { dy, filter: f }, { ...attrs, inputShape: c.x }) as tf.Tensor;
        const gf = tf.engine().runKernel(TWINML_CONV2D_BACKPROP_FILTER, { x, dy }, { ...attrs, filterShape: c.f }) as tf.Tensor;
        return [gx, gf];
      };
      const want = await onBackend('cpu', reference);
      for (const backend of ['wasm', 'cpu'] as const) {
        registerDilatedConvGradKernels(backend);
        const got = await onBackend(backend, twinml);
        for (let i = 0; i < 2; i++) {
          expect(relativeError(got[i]!, want[i]!), `${backend} case ${t} ${JSON.stringify(c)} grad ${i}`).toBeLessThan(1e-5);
        }
      }
    }
  });
});

describe('DepthwiseConv2dNativeBackpropInput / Filter on wasm', () => {
  it('match the cpu backend on 30 random geometries incl. channel multipliers and dilation', async () => {
    const rng = new Rng(13);
    for (let t = 0; t < 30; t++) {
      const c = randomCase(rng, t % 3 === 0, true);
      const xv = randomHost(rng, c.x);
      const fv = randomHost(rng, c.f);
      const tensors = () => ({ x: tf.tensor4d(xv, c.x as [number, number, number, number]), f: tf.tensor4d(fv, c.f as [number, number, number, number]) });
      const cotangent = (shape: number[]) => tf.tensor(randomHost(new Rng(200 + t), shape), shape);
      // Reference: cpu gradients of the same convolution written with a zero-dilated filter and dilation 1.
      const reference = () => {
        const { x, f } = tensors();
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, dilateFilter(b as tf.Tensor4D, c.dilations), c.strides, c.pad, 'NHWC');
        const y = conv(x, f);
        const [gx, gf] = tf.grads(conv)([x, f], cotangent(y.shape));
        return [y, gx!, gf!];
      };
      const run = () => {
        const { x, f } = tensors();
        const y = tf.depthwiseConv2d(x, f, c.strides, c.pad, 'NHWC', c.dilations);
        const dy = cotangent(y.shape);
        const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations };
        // tfjs's depthwise gradient rejects dilation > 1, so call the gradient kernels directly.
        const gx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: c.x }) as tf.Tensor;
        const gf = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: c.f }) as tf.Tensor;
        return [y, gx, gf];
      };
      const want = await onBackend('cpu', reference);
      const got = await onBackend('wasm', run);
      for (let i = 0; i < 3; i++) {
        expect(relativeError(got[i]!, want[i]!), `case ${t} ${JSON.stringify(c)} output ${i}`).toBeLessThan(1e-5);
      }
    }
  });
});
