/**
 * Sequential's fast path (channels-last runs, Conv2d/Linear + ReLU fused) is invisible: it is taken only when no
 * forward hook is registered, gives the plain path's results (module by module through `call`) within float32
 * rounding on every backend, leaks nothing over training steps, and on wasm and torch runs the kernels it promises
 * (torch: one FusedConv2D with ReLU per Conv2d + ReLU pair, one activation transpose in and one out of the run; wasm: a
 * Conv2d/ReLU/MaxPool2d chain natively on NCHW with each Conv2d + ReLU pair as one kernel and no activation
 * transposes; the functional CNN the same kernels with ReLU separate).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// The models come from bench/ordinary-cnn.ts, which the bench compiles against dist/, so this file tests dist/ too.
import * as nn from '../../dist/nn/index.js';
import { probeBackends, useBackend, type BackendName } from '../../dist/backend/index.js';
import { backward } from '../../dist/train/backward.js';
import { CrossEntropyLoss } from '../../dist/nn/loss/cross-entropy.js';
import { Adam } from '../../dist/train/optim/index.js';
import { sequentialCNN, FunctionalCNN } from '../../bench/ordinary-cnn.js';
import { relativeError } from '../helpers/relative-error.js';

/** Backends that fuse Conv2d/Linear + ReLU: wasm, and torch when its addon is built (npm run setup:torch). */
const FUSING: BackendName[] = (await probeBackends()).find((b) => b.name === 'torch')?.available ? ['wasm', 'torch'] : ['wasm'];
const BACKENDS: BackendName[] = [...FUSING, 'cpu'];

function model(): nn.Sequential {
  nn.manualSeed(11);
  return new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 8, 3, { padding: 1, bias: false }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.AvgPool2d(2),
    new nn.Flatten(),
    new nn.Linear(8 * 2 * 2, 16),
    new nn.ReLU(),
    new nn.Linear(16, 5),
  );
}

/** Output and every gradient of sum(y * cotangent); with `plain`, a no-op forward hook forces the plain path. */
function run(m: nn.Module, plain: boolean): Float32Array[] {
  return runOn(m, plain, [4, 3, 8, 8], 5);
}

/** `run` for input shape `xShape` and `classes` outputs. */
function runOn(m: nn.Module, plain: boolean, xShape: number[], classes: number): Float32Array[] {
  const remove = plain ? nn.registerGlobalForwardHook(() => undefined) : () => undefined;
  try {
    return tf.tidy(() => {
      const x = tf.randomUniform(xShape, -1, 1, 'float32', 1);
      const ct = tf.randomUniform([xShape[0]!, classes], -1, 1, 'float32', 2);
      const params = m.parameters();
      const f = () => tf.sum(tf.mul(m.call(x), ct)) as tf.Scalar;
      const y = m.call(x);
      const { grads } = tf.variableGrads(f, params.map((p) => p.variable));
      return [y.dataSync() as Float32Array, ...params.map((p) => grads[p.variable.name]!.dataSync() as Float32Array)];
    });
  } finally {
    remove();
  }
}

describe("Sequential's fast path", () => {
  for (const backend of BACKENDS) {
    it(`${backend}: equals the plain path (every module through call) in output and every gradient`, async () => {
      await useBackend(backend);
      const m = model();
      const fast = run(m, false);
      const plain = run(m, true);
      fast.forEach((f, i) => expect(relativeError(f, plain[i]!), `${backend} tensor ${i}`).toBeLessThanOrEqual(1e-5));
      m.dispose();
    });
  }

  it('is not taken when a forward hook is registered: the hook sees every module', async () => {
    await useBackend('wasm');
    const m = model();
    const seen: string[] = [];
    const names = new Map<nn.AnyModule, string>(m.namedModules().map(([k, v]) => [v, k]));
    const remove = nn.registerGlobalForwardHook((module) => seen.push(names.get(module) ?? '?'));
    tf.dispose(m.call(tf.zeros([2, 3, 8, 8])));
    remove();
    expect(seen).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '']);
    m.dispose();
  });

  if (FUSING.includes('torch')) it('torch: fuses Conv2d + ReLU and Linear + ReLU and transposes activations only into and out of the run', async () => {
    await useBackend('torch');
    const m = sequentialCNN();
    const x = tf.randomUniform([4, 1, 28, 28], -1, 1, 'float32', 3);
    const profile = await tf.profile(() => tf.dispose(m.call(x)));
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'FusedConv2D')).toHaveLength(3);
    expect(names).not.toContain('Relu');
    // In and out of the channels-last run, plus each Conv2d's [out, in, kh, kw] weight viewed as HWIO.
    expect(names.filter((n) => n === 'Transpose')).toHaveLength(2 + 3);
    tf.dispose(x);
    m.dispose();
  });

  it('wasm: runs a Conv2d/ReLU/MaxPool2d chain natively on NCHW: Conv2d + ReLU fused, no activation transposes', async () => {
    await useBackend('wasm');
    const m = sequentialCNN();
    const x = tf.randomUniform([4, 1, 28, 28], -1, 1, 'float32', 3);
    const profile = await tf.profile(() => tf.dispose(m.call(x)));
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'TwinmlConv2DNCHW')).toHaveLength(3);
    expect(names.filter((n) => n === 'TwinmlMaxPool2x2NCHW')).toHaveLength(3);
    expect(names).not.toContain('Relu');
    expect(names).not.toContain('FusedConv2D');
    // Only each Conv2d's [out, in, kh, kw] weight viewed as [out, kh, kw, in].
    expect(names.filter((n) => n === 'Transpose')).toHaveLength(3);
    tf.dispose(x);
    m.dispose();
  });

  it('wasm: the functional CNN (F.relu, F.max_pool2d) runs the same NCHW kernels, with ReLU separate', async () => {
    await useBackend('wasm');
    nn.manualSeed(5);
    const m = new FunctionalCNN();
    const x = tf.randomUniform([4, 1, 28, 28], -1, 1, 'float32', 3);
    const profile = await tf.profile(() => tf.dispose(m.call(x)));
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'TwinmlConv2DNCHW')).toHaveLength(3);
    expect(names.filter((n) => n === 'TwinmlMaxPool2x2NCHW')).toHaveLength(3);
    expect(names.filter((n) => n === 'Relu')).toHaveLength(3);
    expect(names.filter((n) => n === 'Transpose')).toHaveLength(3);
    tf.dispose(x);
    m.dispose();
  });

  for (const backend of BACKENDS) {
    it(`${backend}: the NCHW chain (sequential CNN) equals the plain path in output and every gradient`, async () => {
      await useBackend(backend);
      nn.manualSeed(6);
      const m = sequentialCNN();
      const fast = runOn(m, false, [2, 1, 28, 28], 10);
      const plain = runOn(m, true, [2, 1, 28, 28], 10);
      fast.forEach((f, i) => expect(relativeError(f, plain[i]!), `${backend} tensor ${i}`).toBeLessThanOrEqual(1e-5));
      m.dispose();
    });
  }

  for (const [label, make] of [
    ['Sequential CNN', sequentialCNN],
    ['functional CNN (F.relu, F.max_pool2d)', () => new FunctionalCNN()],
  ] as const) {
    for (const backend of FUSING) it(`${backend}: ${label} trains without leaking tensors`, async () => {
      await useBackend(backend);
      nn.manualSeed(2);
      const m: nn.Module = make();
      const opt = new Adam(m.parameters(), { lr: 1e-3 });
      const loss = new CrossEntropyLoss();
      const x = tf.randomUniform([8, 1, 28, 28], -1, 1, 'float32', 4);
      const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
      const step = () => {
        m.zeroGrad();
        const value = backward(() => loss.call(m.call(x), y) as tf.Scalar, m.parameters());
        opt.step();
        value.dispose();
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      m.zeroGrad();
      opt.disposeState();
      m.dispose();
      tf.dispose([x, y]);
    });
  }
});
