/**
 * The torch backend's foreach kernels (src/backend/torch/kernels-foreach.ts) and clip_grad_norm_ on them: per-tensor
 * norms of orders 1, 2, 3 and Infinity and the scaled tensors against the cpu backend's per-tensor composition, the
 * clipped gradients and the returned total norm against cpu, one foreach call for every gradient (not a few kernels
 * per gradient), bad inputs named, and no leaks. Skipped with one line without the addon.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { FOREACH_MUL, FOREACH_NORM, numberedInputs } from '../../src/backend/foreach-kernel-names.js';
import type { TorchBackend } from '../../src/backend/torch/backend.js';
import { Parameter } from '../../src/nn/parameter.js';
import { clip_grad_norm_ } from '../../src/nn/utils/clip-grad.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';
import { torchAvailable, torchTitle } from './torch-helpers.js';

const suite = torchAvailable ? describe : describe.skip;
const SHAPES = [[7], [3, 5], [2, 3, 4], [1], [33, 17]];

function values(seed: number): Float32Array[] {
  const rng = new Rng(seed);
  return SHAPES.map((s) => randomHost(rng, s).map((v) => v * 3));
}

/** clip_grad_norm_ on fresh parameters holding `grads`: the clipped gradients, then the total norm as a scalar. */
function clipped(grads: Float32Array[], maxNorm: number, normType: number): tf.Tensor[] {
  const params = SHAPES.map((s, i) => {
    const p = new Parameter(tf.zeros(s));
    p.grad = tf.tensor(grads[i]!, s);
    return p;
  });
  const total = clip_grad_norm_(params, maxNorm, normType);
  const out = [...params.map((p) => p.grad!.clone()), tf.scalar(total)];
  params.forEach((p) => {
    p.grad!.dispose();
    p.variable.dispose();
  });
  return out;
}

suite(torchTitle('torch foreach kernels'), () => {
  it('TwinmlForeachNorm (orders 1, 2, 3, Infinity) and TwinmlForeachMul match per-tensor ops on cpu', async () => {
    const host = values(3);
    for (const ord of [1, 2, 3, Infinity]) {
      const want = await onBackend('cpu', () => {
        const ts = host.map((v, i) => tf.tensor(v, SHAPES[i]));
        const norms = ts.map((t) => (ord === Infinity ? tf.max(tf.abs(t)) : tf.pow(tf.sum(tf.pow(tf.abs(t), ord)), 1 / ord)));
        return [...norms, ...ts.map((t) => tf.mul(t, 0.37))];
      });
      const got = await onBackend('torch', () => {
        const ts = host.map((v, i) => tf.tensor(v, SHAPES[i]));
        const norms = tf.engine().runKernel(FOREACH_NORM, numberedInputs(ts), { ord }) as tf.Tensor[];
        const scaled = tf.engine().runKernel(FOREACH_MUL, { ...numberedInputs(ts), scale: tf.scalar(0.37) }) as tf.Tensor[];
        return [...norms, ...scaled];
      });
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => expect(relativeError(got[i]!, w), `ord ${ord}, output ${i}`).toBeLessThanOrEqual(1e-6));
    }
  });

  it('clip_grad_norm_ (clipping and not, orders 2 and Infinity) equals cpu and runs one kernel for all gradients', async () => {
    const host = values(5);
    for (const [maxNorm, normType] of [[1, 2], [1e3, 2], [0.5, Infinity]] as const) {
      const want = await onBackend('cpu', () => clipped(host, maxNorm, normType));
      await useBackend('torch');
      const counts = new Map<string, number>();
      const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
      const original = engine.runKernel;
      engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return original.call(this, name, ...rest);
      };
      let got: Float32Array[];
      try {
        got = await onBackend('torch', () => clipped(host, maxNorm, normType));
      } finally {
        engine.runKernel = original;
      }
      expect(counts.get(FOREACH_NORM), 'one norm call').toBe(1);
      expect(counts.get(FOREACH_MUL), 'one scaling call').toBe(1);
      want.forEach((w, i) => expect(relativeError(got[i]!, w), `max_norm ${maxNorm} norm ${normType}: ${i < SHAPES.length ? `grad ${i}` : 'total'}`).toBeLessThanOrEqual(1e-6));
    }
  });

  it('names bad inputs', async () => {
    await useBackend('torch');
    const ints = tf.tensor1d([1, 2], 'int32');
    const x = tf.ones([2]);
    expect(() => tf.engine().runKernel(FOREACH_NORM, { 0: x, 1: ints }, { ord: 2 })).toThrow(/TwinmlForeachNorm: input 1 must be float32, got int32/);
    expect(() => tf.engine().runKernel(FOREACH_NORM, { 0: x }, { ord: 0 })).toThrow(/ord must be > 0/);
    expect(() => tf.engine().runKernel(FOREACH_MUL, { 0: x, scale: x })).toThrow(/scale must be a float32 scalar/);
    tf.dispose([ints, x]);
  });

  it('leaks nothing (tfjs tensors and the native table) over repeated clip_grad_norm_ calls', async () => {
    await useBackend('torch');
    const backend = tf.backend() as unknown as TorchBackend;
    const params = SHAPES.map((s) => new Parameter(tf.zeros(s)));
    const round = () => {
      params.forEach((p) => {
        p.grad?.dispose();
        p.grad = tf.randomNormal(p.variable.shape);
      });
      clip_grad_norm_(params, 1.0);
    };
    round();
    const before = { tensors: tf.memory().numTensors, native: backend.nativeTensorCount() };
    for (let i = 0; i < 3; i++) round();
    expect({ tensors: tf.memory().numTensors, native: backend.nativeTensorCount() }).toEqual(before);
    params.forEach((p) => {
      p.grad?.dispose();
      p.variable.dispose();
    });
  });
});
