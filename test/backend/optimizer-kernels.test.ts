/**
 * twinml's fused optimizer kernels on wasm (TwinmlAdamUpdate, TwinmlSgdUpdate) against the tf-ops optimizers
 * on the cpu backend: same parameters, same gradient sequence, several steps, parameters and every state tensor
 * compared bit for bit (both paths round to float32 after the same operations in the same order).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../../src/backend/index.js';
import { Parameter } from '../../src/nn/parameter.js';
import { Adam, AdamW, type AdamOptions } from '../../src/train/optim/adam.js';
import { SGD, type SGDOptions } from '../../src/train/optim/sgd.js';
import type { Optimizer } from '../../src/train/optim/optimizer.js';
import { ADAM_UPDATE, SGD_UPDATE } from '../../src/backend/wasm/optimizer-kernels.js';
import { adamProgram, runProgramOnArrays } from '../../src/backend/optimizer-spec.js';
import { Rng } from '../../src/util/rng.js';
import { randomHost } from './helpers.js';

/** Odd sizes: 1043 % 4 = 3 exercises the SIMD loop and its scalar tail; 5 is all tail. */
const SHAPES = [[7, 149], [5], [256]];
const STEPS = 5;

interface RunResult {
  params: Float32Array[];
  state: Record<string, Float32Array>;
  kernels: string[];
}

async function run(backend: BackendName, make: (ps: Parameter[]) => Optimizer<{ lr: number }>, seed: number): Promise<RunResult> {
  await useBackend(backend);
  const rng = new Rng(seed);
  const params = SHAPES.map((s) => new Parameter(tf.tensor(randomHost(rng, s), s)));
  const opt = make(params);
  const kernels = new Set<string>();
  for (let t = 0; t < STEPS; t++) {
    for (const p of params) p.grad = tf.mul(tf.tensor(randomHost(rng, p.shape), p.shape), t % 2 ? 3 : 0.01);
    const profile = await tf.profile(() => opt.step());
    for (const k of profile.kernels) kernels.add(k.name);
    opt.zeroGrad();
  }
  const sd = opt.stateDict();
  const state: Record<string, Float32Array> = {};
  sd.state.forEach((entry, i) => {
    for (const [k, h] of Object.entries(entry!.tensors)) state[`${i}.${k}`] = Float32Array.from(h.data as Float32Array);
  });
  const result = { params: params.map((p) => Float32Array.from(p.variable.dataSync())), state, kernels: [...kernels] };
  for (const p of params) p.dispose();
  opt.disposeState();
  return result;
}

function expectBitIdentical(got: RunResult, want: RunResult): void {
  got.params.forEach((g, i) => expect(Array.from(g), `param ${i}`).toEqual(Array.from(want.params[i]!)));
  expect(Object.keys(got.state).sort()).toEqual(Object.keys(want.state).sort());
  for (const [k, v] of Object.entries(want.state)) expect(Array.from(got.state[k]!), `state ${k}`).toEqual(Array.from(v));
}

describe('fused Adam/AdamW on wasm', () => {
  const base: AdamOptions = { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupledWeightDecay: false };
  const cases: Array<[string, (ps: Parameter[]) => Optimizer<{ lr: number }>]> = [
    ['Adam defaults', (ps) => new Adam(ps, base)],
    ['Adam eps 1e-3, betas (0.5, 0.9)', (ps) => new Adam(ps, { ...base, eps: 1e-3, betas: [0.5, 0.9] })],
    ['Adam weight_decay 0.1', (ps) => new Adam(ps, { ...base, weightDecay: 0.1 })],
    ['Adam amsgrad', (ps) => new Adam(ps, { ...base, amsgrad: true, weightDecay: 0.02 })],
    ['AdamW weight_decay 0.1', (ps) => new AdamW(ps, { lr: 1e-2, weightDecay: 0.1 })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: bit-identical to the tf-ops path on cpu, through the fused kernel`, async () => {
      const want = await run('cpu', make, 5);
      const got = await run('wasm', make, 5);
      expect(want.kernels).not.toContain(ADAM_UPDATE);
      expect(got.kernels).toEqual([ADAM_UPDATE]);
      expectBitIdentical(got, want);
    });
  }

  it('changes when the formula changes (eps inside the sqrt differs from the kernel)', async () => {
    await useBackend('wasm');
    const n = 9;
    const rng = new Rng(3);
    const [p, g0, m, v] = [0, 1, 2, 3].map(() => randomHost(rng, [n]));
    const g = g0!.map((x) => x * 1e-3);
    const o = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-3, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false, step: 3 };
    // second moments near eps^2, where eps inside or outside the sqrt matters
    const vAbs = v!.map((x) => Math.abs(x) * 1e-6);
    const inputs = { param: tf.tensor1d(p!), grad: tf.tensor1d(g), expAvg: tf.tensor1d(m!), expAvgSq: tf.tensor1d(vAbs) };
    const out = tf.engine().runKernel(ADAM_UPDATE, inputs, o as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const fused = out[0]!.dataSync();
    const outs = [0, 1, 2].map(() => new Float32Array(n));
    runProgramOnArrays(adamProgram(o), { param: p!, grad: g, expAvg: m!, expAvgSq: vAbs }, outs);
    expect(Array.from(fused)).toEqual(Array.from(outs[0]!));
    // The same step in float64 by hand, eps inside: p - lr * m_hat / sqrt(v_hat + eps) is far from the kernel's result.
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const mi = m![i]! + (g[i]! - m![i]!) * 0.1;
      const vi = vAbs[i]! * 0.999 + g[i]! ** 2 * 0.001;
      const wrong = p![i]! - (0.1 * (mi / (1 - 0.9 ** 3))) / Math.sqrt(vi / (1 - 0.999 ** 3) + 1e-3);
      const right = p![i]! - (0.1 * (mi / (1 - 0.9 ** 3))) / (Math.sqrt(vi / (1 - 0.999 ** 3)) + 1e-3);
      expect(Math.abs(fused[i]! - right)).toBeLessThan(1e-5 * Math.max(1, Math.abs(right)));
      worst = Math.max(worst, Math.abs(fused[i]! - wrong));
    }
    expect(worst).toBeGreaterThan(1e-4);
    tf.dispose([...out, ...Object.values(inputs)]);
  });

  it('keeps the tensor count flat across fused steps', async () => {
    await useBackend('wasm');
    const p = new Parameter(tf.tensor1d(randomHost(new Rng(4), [1043])));
    const opt = new Adam([p], { amsgrad: false });
    const counts: number[] = [];
    for (let t = 0; t < 5; t++) {
      p.grad = tf.tensor1d(randomHost(new Rng(10 + t), [1043]));
      opt.step();
      opt.zeroGrad();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    p.dispose();
    opt.disposeState();
  });
});

describe('fused SGD on wasm', () => {
  const cases: Array<Partial<SGDOptions> & { lr: number }> = [
    { lr: 0.1 },
    { lr: 0.1, momentum: 0.9 },
    { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01 },
    { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.05 },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c)}: bit-identical to the tf-ops path on cpu, through the fused kernel`, async () => {
      const make = (ps: Parameter[]) => new SGD(ps, c);
      const want = await run('cpu', make, 6);
      const got = await run('wasm', make, 6);
      expect(got.kernels).toEqual([SGD_UPDATE]);
      expectBitIdentical(got, want);
    });
  }
});
