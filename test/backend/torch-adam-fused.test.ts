/**
 * The torch backend's one-pass Adam (native/torch-backend/fused.cc `adamLoop`) equals the ATen kernel sequence of
 * torch.optim's single-tensor Adam (`referencePath: true` runs that sequence in the same addon) bit for bit: every
 * option combination (L2 and decoupled weight decay, amsgrad, a lerp weight 1 - beta1 above and below 0.5), sizes
 * that leave every vector tail length (ATen's scalar tail loop) and one large enough to be split across threads
 * (at 1 and 2 threads: the pass runs on one thread either way, the reference sequence on all),
 * gradients spanning many magnitudes (with zeros), 6 steps. test/backend/torch-optim-exact.test.ts compares the
 * default path with torch.optim itself. Skipped with one line without the addon.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { ADAM_UPDATE } from '../../src/backend/wasm/optimizer-kernels.js';
import { Rng } from '../../src/util/rng.js';
import { torchAvailable, torchTitle } from './torch-helpers.js';

const STEPS = 6;
const SIZES = [...Array.from({ length: 33 }, (_, i) => i + 1), 1031, 70001];

interface Options {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  amsgrad: boolean;
}

const CASES: Array<[string, Options]> = [
  ['Adam', { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false }],
  ['Adam L2 amsgrad', { lr: 3e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05, decoupledWeightDecay: false, amsgrad: true }],
  ['AdamW', { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupledWeightDecay: true, amsgrad: false }],
  ['Adam beta1=0.3 (lerp weight >= 0.5) AdamW amsgrad', { lr: 0.1, beta1: 0.3, beta2: 0.5, eps: 1e-3, weightDecay: 0.3, decoupledWeightDecay: true, amsgrad: true }],
];

/** Values over many magnitudes, some exact zeros. */
function randomValues(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  rng.fillUniform(out, -1, 1);
  const scale = new Float32Array(n);
  rng.fillUniform(scale, -12, 4);
  for (let i = 0; i < n; i++) out[i] = i % 17 === 5 ? 0 : out[i]! * 2 ** scale[i]!;
  return out;
}

/** STEPS updates through the kernel; returns every output's final values. */
function run(o: Options, p0: Float32Array, grads: Float32Array[], referencePath: boolean): Float32Array[] {
  let param: tf.Tensor = tf.tensor1d(p0);
  let state: tf.Tensor[] = [];
  grads.forEach((g, k) => {
    const grad = tf.tensor1d(g);
    const inputs: tf.NamedTensorMap = { param, grad };
    if (state.length) Object.assign(inputs, { expAvg: state[0]!, expAvgSq: state[1]! }, state[2] ? { maxExpAvgSq: state[2] } : {});
    const out = tf.engine().runKernel(ADAM_UPDATE, inputs, { ...o, step: k + 1, referencePath } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    tf.dispose([param, grad, ...state]);
    [param, ...state] = out;
  });
  const values = [param, ...state].map((t) => Float32Array.from(t.dataSync()));
  tf.dispose([param, ...state]);
  return values;
}

const suite = torchAvailable ? describe : describe.skip;

suite(torchTitle('torch one-pass Adam vs the ATen kernel sequence, bit for bit'), () => {
  it.each([1, 2])(`${CASES.length} option sets, sizes 1..33, 1031, 70001, ${STEPS} steps, %i thread(s)`, async (threads) => {
    await useBackend('torch', { threads });
    const rng = new Rng(11);
    const before = tf.memory().numTensors;
    for (const [name, o] of CASES) {
      for (const n of SIZES) {
        const p0 = randomValues(rng, n);
        const grads = Array.from({ length: STEPS }, () => randomValues(rng, n));
        const fast = run(o, p0, grads, false);
        const reference = run(o, p0, grads, true);
        ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'].slice(0, reference.length).forEach((what, k) => {
          const a = fast[k]!;
          const b = reference[k]!;
          let first = -1;
          for (let i = 0; i < n && first < 0; i++) if (!Object.is(a[i], b[i])) first = i;
          expect(first, `${name}, n=${n}, ${what}: first difference at ${first} (one pass ${a[first]}, ATen ${b[first]})`).toBe(-1);
        });
        expect(fast[0]!.some((v, i) => v !== p0[i])).toBe(true);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    await useBackend('cpu');
  });
});
