/** CrossEntropyLoss and MSELoss against values computed here in float64 from PyTorch's definitions. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { CrossEntropyLoss, MSELoss } from '../../src/nn/loss/index.js';
import { withBackend } from '../helpers/backend.js';

const LOGITS = [
  [2.0, -1.0, 0.5, 0.1],
  [-0.3, 0.8, 1.7, -2.2],
  [100, -100, 3, 0],
  [0.0, 0.0, 0.0, 1e-3],
  [-100, 50, 99, -7],
];
const TARGET = [0, 2, 1, 3, 1];

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}

/** torch.nn.functional.cross_entropy(reduction='mean') with weight, ignore_index, label_smoothing. */
function reference(weight: number[] | null, ignoreIndex: number, smoothing: number): number {
  const c = LOGITS[0]!.length;
  let nll = 0;
  let smooth = 0;
  let denom = 0;
  LOGITS.forEach((row, i) => {
    const y = TARGET[i]!;
    if (y === ignoreIndex) return;
    const lp = logSoftmax(row);
    const w = weight ? weight[y]! : 1;
    nll += -w * lp[y]!;
    smooth += -lp.reduce((s, v, k) => s + v * (weight ? weight[k]! : 1), 0);
    denom += w;
  });
  return ((1 - smoothing) * nll) / denom + ((smoothing / c) * smooth) / denom;
}

beforeAll(async () => {
  await withBackend('cpu');
});

describe('CrossEntropyLoss', () => {
  const cases: Array<{ weight: number[] | null; ignoreIndex: number; smoothing: number }> = [
    { weight: null, ignoreIndex: -100, smoothing: 0 },
    { weight: [0.2, 1.0, 3.0, 0.7], ignoreIndex: -100, smoothing: 0 },
    { weight: null, ignoreIndex: 1, smoothing: 0 },
    { weight: null, ignoreIndex: -100, smoothing: 0.1 },
    { weight: [0.2, 1.0, 3.0, 0.7], ignoreIndex: 3, smoothing: 0.25 },
  ];
  for (const c of cases) {
    it(`matches the definition for ${JSON.stringify(c)} including logits of ±100`, () => {
      const loss = new CrossEntropyLoss({ weight: c.weight ?? undefined, ignoreIndex: c.ignoreIndex, labelSmoothing: c.smoothing });
      const value = tf.tidy(() => loss.call(tf.tensor2d(LOGITS), tf.tensor1d(TARGET, 'int32')).dataSync()[0]!);
      const expected = reference(c.weight, c.ignoreIndex, c.smoothing);
      expect(Number.isFinite(value)).toBe(true);
      expect(Math.abs(value - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
    });
  }

  it('has the softmax-minus-onehot gradient, finite at ±100', () => {
    const x = tf.tensor2d(LOGITS);
    const y = tf.tensor1d(TARGET, 'int32');
    const g = tf.grad((l: tf.Tensor) => new CrossEntropyLoss().call(l, y) as tf.Scalar)(x);
    const got = g.arraySync() as number[][];
    LOGITS.forEach((row, i) => {
      const p = logSoftmax(row).map(Math.exp);
      row.forEach((_, k) => {
        const expected = (p[k]! - (k === TARGET[i] ? 1 : 0)) / LOGITS.length;
        expect(Math.abs(got[i]![k]! - expected)).toBeLessThan(1e-6);
      });
    });
    tf.dispose([x, y, g]);
  });

  it('names the expected shapes on a mismatch', () => {
    expect(() => tf.tidy(() => new CrossEntropyLoss().call(tf.zeros([3, 4]), tf.zeros([2], 'int32')))).toThrow(/expected class-index target of shape \[3\]/);
  });
});

describe('MSELoss', () => {
  it('is the mean squared difference', () => {
    const a = [1, 2, -3, 0.5];
    const b = [0.5, 2.5, -1, 0];
    const value = tf.tidy(() => new MSELoss().call(tf.tensor1d(a), tf.tensor1d(b)).dataSync()[0]!);
    const expected = a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / a.length;
    expect(Math.abs(value - expected)).toBeLessThan(1e-6);
  });
});
