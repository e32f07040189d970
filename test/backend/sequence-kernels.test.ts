/**
 * The fused kernels of the sequence modules (src/backend/sequence-kernels.ts) on wasm and cpu against the cpu
 * backend's composed tfjs ops: Softmax's gradient, LayerNorm forward and backward (with and without weight and
 * bias), and the paths F.softmax / F.layer_norm take through them. A corrupted kernel fails the comparison.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../../src/backend/index.js';
import { LAYER_NORM, LAYER_NORM_BACKWARD, SOFTMAX_BACKWARD } from '../../src/backend/kernel-names.js';
import * as F from '../../src/nn/functional/index.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';

const SHAPE = [3, 4, 7, 9];

/** Softmax forward and its input gradient (tf.grad: Softmax's registered gradient, i.e. the kernel). */
function softmaxRun(xv: Float32Array, cv: Float32Array): tf.Tensor[] {
  const x = tf.tensor(xv, SHAPE);
  const cot = tf.tensor(cv, SHAPE);
  return [F.softmax(x, -1), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(F.softmax(t, -1), cot)))(x)];
}

/** The composed reference on cpu: tfjs ops only, dx = dy·y - Σ(dy·y)·y. */
function softmaxComposed(xv: Float32Array, cv: Float32Array): tf.Tensor[] {
  const y = tf.softmax(tf.tensor(xv, SHAPE));
  const dyTimesY = tf.mul(tf.tensor(cv, SHAPE), y);
  return [y, tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, -1, true), y))];
}

interface Affine {
  weight: boolean;
  bias: boolean;
}

/** F.layer_norm over the last axis: output and the gradients of x, weight, bias. */
function layerNormRun(affine: Affine, values: Float32Array[], composed: boolean): tf.Tensor[] {
  const [xv, wv, bv, cv] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
  const d = SHAPE[SHAPE.length - 1]!;
  const x = tf.tensor(xv, SHAPE);
  const w = tf.tensor(wv, [d]);
  const b = tf.tensor(bv, [d]);
  const cot = tf.tensor(cv, SHAPE);
  const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => {
    if (!composed) return F.layer_norm(xi, [d], affine.weight ? wi : null, affine.bias ? bi : null, 1e-5);
    const { mean, variance } = tf.moments(xi, [-1], true);
    let y = tf.mul(tf.sub(xi, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    if (affine.weight) y = tf.mul(y, wi);
    if (affine.bias) y = tf.add(y, bi);
    return y;
  };
  // Gradients of the inputs the function uses (tf.grads rejects unused ones).
  const used = [x, ...(affine.weight ? [w] : []), ...(affine.bias ? [b] : [])];
  const call = (...t: tf.Tensor[]) => f(t[0]!, affine.weight ? t[1]! : w, affine.bias ? t[affine.weight ? 2 : 1]! : b);
  const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(call(...t), cot)))(used);
  return [f(x, w, b), ...grads];
}

function hostValues(seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const d = SHAPE[SHAPE.length - 1]!;
  return [randomHost(rng, SHAPE).map((v) => 3 * v + 0.5), randomHost(rng, [d]), randomHost(rng, [d]), randomHost(rng, SHAPE)];
}

describe('fused sequence kernels against the cpu backend', () => {
  for (const backend of ['wasm', 'cpu'] as BackendName[]) {
    it(`${backend}: Softmax's gradient is ${SOFTMAX_BACKWARD} and matches the composed ops on cpu`, async () => {
      await useBackend(backend);
      expect(tf.getKernel(SOFTMAX_BACKWARD, backend)).toBeDefined();
      const rng = new Rng(4);
      const xv = randomHost(rng, SHAPE).map((v) => 4 * v);
      const cv = randomHost(rng, SHAPE);
      const want = await onBackend('cpu', () => softmaxComposed(xv, cv));
      const got = await onBackend(backend, () => softmaxRun(xv, cv));
      want.forEach((w, i) => expect(relativeError(got[i]!, w), `${backend} tensor ${i}`).toBeLessThan(1e-6));
    });

    for (const affine of [{ weight: true, bias: true }, { weight: true, bias: false }, { weight: false, bias: false }]) {
      it(`${backend}: F.layer_norm (weight ${affine.weight}, bias ${affine.bias}) runs ${LAYER_NORM} and matches the composed ops on cpu, forward and gradients`, async () => {
        await useBackend(backend);
        expect(tf.getKernel(LAYER_NORM, backend)).toBeDefined();
        expect(tf.getKernel(LAYER_NORM_BACKWARD, backend)).toBeDefined();
        const values = hostValues(7);
        const want = await onBackend('cpu', () => layerNormRun(affine, values, true));
        const got = await onBackend(backend, () => layerNormRun(affine, values, false));
        const before = tf.memory().numTensors;
        tf.tidy(() => void layerNormRun(affine, values, false));
        expect(tf.memory().numTensors).toBe(before);
        expect(got.length).toBe(want.length);
        want.forEach((w, i) => expect(relativeError(got[i]!, w), `${backend} tensor ${i}`).toBeLessThan(2e-6));
      });
    }
  }
});

describe('the comparison catches a wrong fused kernel', () => {
  const saved: KernelConfig[] = [];
  afterAll(() => {
    for (const k of saved) {
      if (tf.getKernel(k.kernelName, k.backendName)) tf.unregisterKernel(k.kernelName, k.backendName);
      tf.registerKernel(k);
    }
  });

  it(`fails when ${LAYER_NORM_BACKWARD} on wasm scales dweight by 1.001, passes once restored`, async () => {
    await useBackend('wasm');
    const kernel = tf.getKernel(LAYER_NORM_BACKWARD, 'wasm')!;
    saved.push(kernel);
    tf.unregisterKernel(LAYER_NORM_BACKWARD, 'wasm');
    const wrong: KernelFunc = (args) => {
      const outs = (kernel.kernelFunc as KernelFunc)(args) as TensorInfo[];
      const heap = args.backend as unknown as { typedArrayFromHeap(t: TensorInfo): Float32Array };
      const dw = heap.typedArrayFromHeap(outs[1]!);
      for (let i = 0; i < dw.length; i++) dw[i] *= 1.001;
      return outs;
    };
    tf.registerKernel({ kernelName: LAYER_NORM_BACKWARD, backendName: 'wasm', kernelFunc: wrong });
    const values = hostValues(7);
    const affine = { weight: true, bias: true };
    const want = await onBackend('cpu', () => layerNormRun(affine, values, true));
    const bad = await onBackend('wasm', () => layerNormRun(affine, values, false));
    expect(relativeError(bad[2]!, want[2]!)).toBeGreaterThan(1e-4);
    tf.unregisterKernel(LAYER_NORM_BACKWARD, 'wasm');
    tf.registerKernel(kernel);
    saved.pop();
    const good = await onBackend('wasm', () => layerNormRun(affine, values, false));
    expect(relativeError(good[2]!, want[2]!)).toBeLessThan(2e-6);
  });
});
