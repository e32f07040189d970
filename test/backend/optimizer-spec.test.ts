/**
 * One Adam arithmetic spec (src/backend/optimizer-spec.ts, adamProgram): the same shared vectors through
 * every implementation of it, in one test, bit for bit:
 *   reference  runProgramOnArrays (the JS element loop)
 *   tf-ops     runProgramWithTfOps on the cpu backend (the path of every backend without a fused kernel)
 *   wasm       kernel TwinmlAdamUpdate (SIMD over n - n%4 elements, the JS loop over the tail)
 *   tensorflow kernel TwinmlAdamUpdate as raw TensorFlow eager ops (when tfjs-node is built)
 * and the spec itself against torch's single-tensor Adam written out in float64 (close, and eps placement).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { probeBackends, useBackend, type BackendName } from '../../src/backend/index.js';
import { ADAM_UPDATE } from '../../src/backend/wasm/optimizer-kernels.js';
import { adamProgram, runProgramOnArrays, type AdamStepAttrs } from '../../src/backend/optimizer-spec.js';
import { runProgramWithTfOps } from '../../src/train/optim/run-program.js';
import { Rng } from '../../src/util/rng.js';

const N = 1043; // 1043 % 4 = 3: the SIMD loop and its tail
const backends = (await probeBackends()).filter((b) => b.available).map((b) => b.name);

/** The shared vectors: param, grad (mixed magnitudes), exp_avg, exp_avg_sq >= 0, max_exp_avg_sq >= 0. */
function vectors(seed: number): Record<string, Float32Array> {
  const rng = new Rng(seed);
  const v = (f: (x: number, i: number) => number) => new Float32Array(N).map((_, i) => f(rng.normal(), i));
  return {
    param: v((x) => x),
    grad: v((x, i) => x * (i % 3 ? 1e-3 : 2)),
    expAvg: v((x) => x * 0.1),
    expAvgSq: v((x) => x * x * 1e-4),
    maxExpAvgSq: v((x) => x * x * 2e-4),
  };
}

const BASE: AdamStepAttrs = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false, step: 3 };
const CASES: Array<[string, AdamStepAttrs, boolean]> = [
  ['defaults, step 3', BASE, false],
  ['first step (no state: zeros)', { ...BASE, step: 1 }, true],
  ['weight_decay 0.1 (Adam)', { ...BASE, weightDecay: 0.1 }, false],
  ['weight_decay 0.1 decoupled (AdamW)', { ...BASE, weightDecay: 0.1, decoupledWeightDecay: true }, false],
  ['amsgrad, eps 1e-3', { ...BASE, amsgrad: true, eps: 1e-3, step: 7 }, false],
  ['betas (0.3, 0.9): torch lerp weight >= 0.5', { ...BASE, beta1: 0.3, beta2: 0.9 }, false],
];

function implementation(backend: BackendName, attrs: AdamStepAttrs, inputs: Record<string, Float32Array | undefined>): Float32Array[] {
  const ts: Record<string, tf.Tensor | undefined> = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = v ? tf.tensor1d(v) : undefined;
  const outs = backend === 'cpu'
    ? tf.tidy(() => runProgramWithTfOps(adamProgram(attrs), ts))
    : (tf.engine().runKernel(ADAM_UPDATE, Object.fromEntries(Object.entries(ts).filter(([, t]) => t)) as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[]);
  const values = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose([...outs, ...Object.values(ts).filter((t): t is tf.Tensor => t !== undefined)]);
  return values;
}

describe('one Adam spec: every implementation on the same vectors', () => {
  it('runs on cpu and wasm at least', () => {
    expect(backends).toEqual(expect.arrayContaining(['cpu', 'wasm']));
  });
  for (const [name, attrs, firstStep] of CASES) {
    it(`${name}: reference loop, tf ops, wasm kernel${backends.includes('tensorflow') ? ', tensorflow kernel' : ''} bit-identical`, async () => {
      const v = vectors(11);
      const inputs: Record<string, Float32Array | undefined> = {
        param: v['param'],
        grad: v['grad'],
        expAvg: firstStep ? undefined : v['expAvg'],
        expAvgSq: firstStep ? undefined : v['expAvgSq'],
        maxExpAvgSq: attrs.amsgrad ? v['maxExpAvgSq'] : undefined,
      };
      const program = adamProgram(attrs);
      const reference = program.outputs.map(() => new Float32Array(N));
      runProgramOnArrays(program, inputs, reference);
      for (const backend of backends.filter((b) => b === 'cpu' || b === 'wasm' || b === 'tensorflow')) {
        await useBackend(backend);
        if (backend !== 'cpu') expect(tf.getKernel(ADAM_UPDATE, backend), `${backend} registers ${ADAM_UPDATE}`).toBeDefined();
        const got = implementation(backend, attrs, inputs);
        expect(got.length, backend).toBe(reference.length);
        got.forEach((out, k) => expect(Buffer.from(out.buffer).equals(Buffer.from(reference[k]!.buffer)), `${backend} output ${program.outputs[k]}`).toBe(true));
      }
    });
  }

  it("the spec is torch's Adam (float64 by hand, eps outside the bias-corrected sqrt)", () => {
    const v = vectors(12);
    const o: AdamStepAttrs = { ...BASE, eps: 1e-3, weightDecay: 0.05, step: 4 };
    const out = adamProgram(o).outputs.map(() => new Float32Array(N));
    runProgramOnArrays(adamProgram(o), v, out);
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const g = v['grad']![i]! + o.weightDecay * v['param']![i]!;
      const m = v['expAvg']![i]! + (1 - o.beta1) * (g - v['expAvg']![i]!);
      const s = o.beta2 * v['expAvgSq']![i]! + (1 - o.beta2) * g * g;
      const denom = Math.sqrt(s) / Math.sqrt(1 - o.beta2 ** o.step) + o.eps;
      const p = v['param']![i]! - ((o.lr / (1 - o.beta1 ** o.step)) * m) / denom;
      worst = Math.max(worst, Math.abs(out[0]![i]! - p) / Math.max(1, Math.abs(p)));
      expect(Math.abs(out[1]![i]! - m)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(m)));
    }
    expect(worst).toBeLessThan(1e-6);
  });
});
