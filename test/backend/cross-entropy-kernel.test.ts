/**
 * CrossEntropyLoss through the fused wasm kernel (TwinmlSoftmaxCrossEntropy) against the tf-ops path on the cpu
 * backend and against float64 hand computation from PyTorch's definition: values and input gradients (with a
 * random cotangent for reduction 'none'), every reduction, ignore_index.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../../src/backend/index.js';
import { CrossEntropyLoss, type Reduction } from '../../src/nn/loss/index.js';
import { SOFTMAX_CROSS_ENTROPY } from '../../src/backend/wasm/cross-entropy-kernel.js';
import { Rng } from '../../src/util/rng.js';
import { randomHost, relativeError } from './helpers.js';

const N = 13;
const C = 7;

function data(seed: number, ignoreIndex: number): { x: Float32Array; y: Int32Array; dy: Float32Array } {
  const rng = new Rng(seed);
  const x = randomHost(rng, [N, C]).map((v) => v * 6);
  x[5] = 80; // a large logit: the max shift matters
  const y = Int32Array.from({ length: N }, (_, i) => (i % 4 === 3 ? ignoreIndex : Math.floor(rng.random() * C)));
  return { x, y, dy: randomHost(rng, [N]) };
}

async function lossAndGrad(backend: BackendName, reduction: Reduction, ignoreIndex: number, seed: number): Promise<{ value: Float32Array; grad: Float32Array; kernels: string[] }> {
  await useBackend(backend);
  const { x, y, dy } = data(seed, ignoreIndex);
  const loss = new CrossEntropyLoss({ reduction, ignoreIndex });
  const logits = tf.tensor2d(x, [N, C]);
  const target = tf.tensor1d(y, 'int32');
  const cotangent = reduction === 'none' ? tf.tensor1d(dy) : tf.scalar(dy[0]!);
  let out: { value: tf.Tensor; grad: tf.Tensor } | undefined;
  const profile = await tf.profile(() => {
    const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => loss.call(l, target))(logits, cotangent);
    out = { value, grad };
  });
  const result = { value: Float32Array.from(out!.value.dataSync()), grad: Float32Array.from(out!.grad.dataSync()), kernels: profile.kernels.map((k) => k.name) };
  tf.dispose([logits, target, cotangent, out!.value, out!.grad]);
  return result;
}

/** float64: loss_i = logsumexp(x_i) - x_i[y_i]; dL/dx = (softmax - onehot) * dy_i (/ count for mean). */
function reference(reduction: Reduction, ignoreIndex: number, seed: number): { value: number[]; grad: number[] } {
  const { x, y, dy } = data(seed, ignoreIndex);
  const per: number[] = [];
  const unit: number[] = [];
  let count = 0;
  for (let i = 0; i < N; i++) {
    const row = Array.from(x.subarray(i * C, (i + 1) * C));
    if (y[i] === ignoreIndex) {
      per.push(0);
      unit.push(...row.map(() => 0));
      continue;
    }
    count++;
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    per.push(lse - row[y[i]!]!);
    unit.push(...row.map((v, j) => Math.exp(v - lse) - (j === y[i] ? 1 : 0)));
  }
  const total = per.reduce((a, b) => a + b, 0);
  if (reduction === 'none') return { value: per, grad: unit.map((g, k) => g * dy[Math.floor(k / C)]!) };
  const scale = reduction === 'sum' ? dy[0]! : dy[0]! / count;
  return { value: [reduction === 'sum' ? total : total / count], grad: unit.map((g) => g * scale) };
}

describe('fused softmax cross-entropy on wasm', () => {
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    for (const ignoreIndex of [-100, 2]) {
      it(`reduction ${reduction}, ignore_index ${ignoreIndex}: matches float64 and the cpu tf-ops path, through the kernel`, async () => {
        const seed = 40 + ignoreIndex;
        const want = reference(reduction, ignoreIndex, seed);
        const cpu = await lossAndGrad('cpu', reduction, ignoreIndex, seed);
        const wasm = await lossAndGrad('wasm', reduction, ignoreIndex, seed);
        expect(cpu.kernels).not.toContain(SOFTMAX_CROSS_ENTROPY);
        expect(wasm.kernels).toContain(SOFTMAX_CROSS_ENTROPY);
        expect(wasm.kernels.length).toBeLessThan(cpu.kernels.length / 4);
        // float32 results of float64-exact formulas: a few ulps of the largest value.
        expect(relativeError(wasm.value, Float32Array.from(want.value))).toBeLessThan(1e-6);
        expect(relativeError(wasm.grad, Float32Array.from(want.grad))).toBeLessThan(1e-6);
        expect(relativeError(wasm.value, cpu.value)).toBeLessThan(1e-5);
        expect(relativeError(wasm.grad, cpu.grad)).toBeLessThan(1e-5);
      });
    }
  }

  it('names an out-of-range target', async () => {
    await useBackend('wasm');
    const logits = tf.zeros([2, 3]);
    const target = tf.tensor1d([1, 3], 'int32');
    expect(() => new CrossEntropyLoss().call(logits, target)).toThrow(/target 3 at index 1 is out of range for 3 classes/);
    tf.dispose([logits, target]);
  });

  it('keeps the tensor count flat across forward and backward passes', async () => {
    await useBackend('wasm');
    const logits = tf.tensor2d(data(1, -100).x, [N, C]);
    const target = tf.tensor1d(data(1, 0).y.map((v) => Math.abs(v) % C), 'int32');
    const loss = new CrossEntropyLoss();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => loss.call(l, target))(logits);
      tf.dispose([value, grad]);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    tf.dispose([logits, target]);
  });
});
