/**
 * The `tensorflow` backend's raw-eager paths (src/backend/tensorflow/eager-ops.ts): the fused Adam update kernel
 * (src/backend/tensorflow/optimizer-kernels.ts, called by src/train/optim/adam.ts) and the Step kernel
 * (src/backend/tensorflow/step.ts) run the same IEEE float32
 * operations as the cpu backend, so their results are equal bit for bit, not only close; and neither leaks tfjs
 * tensors or raw TensorFlow handles. Skipped, with the reason in its title, when the addon is not built.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { probeBackends, useBackend, type BackendName } from '../../src/backend/index.js';
import { eagerOpsAvailable, liveEagerHandles } from '../../src/backend/tensorflow/eager-ops.js';
import { ADAM_UPDATE } from '../../src/backend/wasm/optimizer-kernels.js';
import { Parameter } from '../../src/nn/parameter.js';
import { Adam, AdamW, type AdamOptions } from '../../src/train/optim/adam.js';
import { Rng } from '../../src/util/rng.js';

const tensorflow = (await probeBackends()).find((s) => s.name === 'tensorflow');
const available = tensorflow?.available === true;
const title = available
  ? `tensorflow raw eager ops (${tensorflow?.detail}) equal the cpu backend bit for bit`
  : `tensorflow raw eager ops SKIPPED: not built (${tensorflow?.reason}); run npm run setup:tensorflow`;

const SHAPES = [[7, 5], [5], [3, 2, 4]];
const STEPS = 5;

/** Seeded parameter values and one gradient per step and parameter, with mixed magnitudes and signs. */
function values(seed: number): { params: Float32Array[]; grads: Float32Array[][] } {
  const rng = new Rng(seed);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const params = SHAPES.map((s) => new Float32Array(size(s)).map(() => rng.normal()));
  const grads = Array.from({ length: STEPS }, (_, t) => SHAPES.map((s) => new Float32Array(size(s)).map((_, i) => rng.normal() * (i % 3 ? 1e-3 : 2) * (t + 1))));
  return { params, grads };
}

/** Runs STEPS optimizer steps on `backend`; returns every parameter and state tensor's values afterwards. */
async function runAdam(backend: BackendName, make: (ps: Parameter[]) => Adam): Promise<number[][]> {
  await useBackend(backend);
  const { params, grads } = values(7);
  const ps = params.map((v, i) => new Parameter(tf.tensor(v, SHAPES[i])));
  const opt = make(ps);
  for (const stepGrads of grads) {
    ps.forEach((p, i) => (p.grad = tf.tensor(stepGrads[i]!, SHAPES[i])));
    opt.step();
    opt.zeroGrad();
  }
  const out = ps.map((p) => Array.from(p.variable.dataSync()));
  for (const st of opt.stateDict().state) for (const h of Object.values(st!.tensors)) out.push(Array.from(h.data as Float32Array));
  opt.disposeState();
  ps.forEach((p) => p.dispose());
  return out;
}

describe.skipIf(!available)(title, () => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  const base: AdamOptions = { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupledWeightDecay: false };
  const cases: Array<[string, (ps: Parameter[]) => Adam]> = [
    ['Adam defaults', (ps) => new Adam(ps, base)],
    ['Adam eps 1e-3, weight decay 0.1', (ps) => new Adam(ps, { ...base, eps: 1e-3, weightDecay: 0.1 })],
    ['Adam amsgrad, betas (0.5, 0.9)', (ps) => new Adam(ps, { ...base, amsgrad: true, betas: [0.5, 0.9] })],
    ['AdamW weight decay 0.1, amsgrad', (ps) => new AdamW(ps, { lr: 0.02, weightDecay: 0.1, amsgrad: true })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: parameters and exp_avg / exp_avg_sq / max_exp_avg_sq after ${STEPS} steps`, async () => {
      const cpu = await runAdam('cpu', make);
      const tensorflowValues = await runAdam('tensorflow', make);
      expect(tensorflowValues).toEqual(cpu);
    });
  }

  it('takes the raw path on tensorflow, and leaks neither tfjs tensors nor raw handles across steps', async () => {
    await useBackend('tensorflow');
    expect(eagerOpsAvailable()).toBe(true);
    expect(tf.getKernel(ADAM_UPDATE, 'tensorflow')).toBeDefined();
    const p = new Parameter(tf.tensor([0.5, -1, 2, 3]));
    const opt = new Adam([p], { amsgrad: true, weightDecay: 0.01 });
    const counts: Array<[number, number]> = [];
    for (let t = 1; t <= 6; t++) {
      p.grad = tf.tensor([0.1 * t, -0.2, 0.3, -0.4 * t]);
      opt.step();
      opt.zeroGrad();
      counts.push([tf.memory().numTensors, liveEagerHandles()]);
    }
    expect(new Set(counts.slice(1).map(String)).size).toBe(1);
    expect(counts[0]![1]).toBeGreaterThan(0); // the kernel's cached scalar constants: the raw path ran
    opt.disposeState();
    p.dispose();
  });

  it('Step (ReLU gradient) equals the cpu kernel on signed zeros, tiny, infinite and NaN inputs, alpha 0 and 0.2', async () => {
    const x = [-2, -0, 0, 1e-30, -1e-30, 3, NaN, Infinity, -Infinity];
    const stepOn = async (backend: BackendName) => {
      await useBackend(backend);
      return [0, 0.2].map((alpha) => tf.tidy(() => Array.from(tf.step(tf.tensor1d(x), alpha).dataSync())));
    };
    const cpu = await stepOn('cpu');
    expect(cpu[0]).toEqual([0, 0, 0, 1, 0, 1, NaN, 1, 0]); // the kernel semantics, independently of the cpu backend
    const before = tf.memory().numTensors;
    expect(await stepOn('tensorflow')).toEqual(cpu);
    expect(tf.memory().numTensors).toBe(before);
  });
});
