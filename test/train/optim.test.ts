/**
 * SGD and Adam against values computed here in float64 from PyTorch's documented update rules
 * (torch.optim.SGD / Adam / AdamW pseudo-code), several steps on a fixed gradient sequence.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Parameter } from '../../src/nn/parameter.js';
import { SGD, type SGDOptions } from '../../src/train/optim/sgd.js';
import { Adam, AdamW, type AdamOptions } from '../../src/train/optim/adam.js';
import { withBackend } from '../helpers/backend.js';

const P0 = [0.5, -1.25, 2.0, 0.0, -0.75, 3.1];
const STEPS = 6;
/** A fixed, sign-changing gradient sequence with mixed magnitudes. */
const grad = (t: number, i: number) => Math.sin(1.3 * t + 0.7 * i) * (i % 2 ? 0.01 : 1.5) + 0.1 * i;

function runTs(make: (p: Parameter[]) => { step(): void; zeroGrad(): void }): number[] {
  const p = new Parameter(tf.tensor1d(P0));
  const opt = make([p]);
  for (let t = 1; t <= STEPS; t++) {
    p.grad = tf.tensor1d(P0.map((_, i) => grad(t, i)));
    opt.step();
    opt.zeroGrad();
  }
  const out = Array.from(p.variable.dataSync());
  p.dispose();
  return out;
}

function sgdReference(o: SGDOptions): number[] {
  const p = [...P0];
  const buf: number[] = [];
  for (let t = 1; t <= STEPS; t++) {
    for (let i = 0; i < p.length; i++) {
      let g = grad(t, i) + o.weightDecay * p[i]!;
      if (o.momentum !== 0) {
        buf[i] = t === 1 ? g : o.momentum * buf[i]! + (1 - o.dampening) * g;
        g = o.nesterov ? g + o.momentum * buf[i]! : buf[i]!;
      }
      p[i] = p[i]! - o.lr * g;
    }
  }
  return p;
}

function adamReference(o: AdamOptions): number[] {
  const p = [...P0];
  const m = P0.map(() => 0);
  const v = P0.map(() => 0);
  const vmax = P0.map(() => 0);
  const [b1, b2] = o.betas;
  for (let t = 1; t <= STEPS; t++) {
    for (let i = 0; i < p.length; i++) {
      let g = grad(t, i);
      if (o.weightDecay !== 0) {
        if (o.decoupledWeightDecay) p[i] = p[i]! * (1 - o.lr * o.weightDecay);
        else g += o.weightDecay * p[i]!;
      }
      m[i] = b1 * m[i]! + (1 - b1) * g;
      v[i] = b2 * v[i]! + (1 - b2) * g * g;
      const mHat = m[i]! / (1 - b1 ** t);
      let second = v[i]!;
      if (o.amsgrad) {
        vmax[i] = Math.max(vmax[i]!, v[i]!);
        second = vmax[i]!;
      }
      const vHat = second / (1 - b2 ** t);
      p[i] = p[i]! - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
    }
  }
  return p;
}

function expectClose(actual: number[], expected: number[]): void {
  // float32 arithmetic over a few steps: 1e-5 relative to the parameter scale.
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected[i]!)));
  }
}

beforeAll(async () => {
  await withBackend('cpu');
});

describe('SGD matches PyTorch update rules', () => {
  const cases: Array<Partial<SGDOptions> & { lr: number }> = [
    { lr: 0.1 },
    { lr: 0.1, momentum: 0.9 },
    { lr: 0.05, momentum: 0.8, dampening: 0.3 },
    { lr: 0.1, momentum: 0.9, nesterov: true },
    { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.05 },
    { lr: 0.2, weightDecay: 0.1 },
  ];
  for (const c of cases) {
    it(JSON.stringify(c), () => {
      const full: SGDOptions = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...c };
      expectClose(runTs((ps) => new SGD(ps, c)), sgdReference(full));
    });
  }

  it('rejects nesterov without momentum, naming the rule', () => {
    expect(() => new SGD([], { lr: 0.1, nesterov: true })).toThrow(/nesterov/);
  });
});

describe('Adam and AdamW match PyTorch update rules', () => {
  const base: AdamOptions = { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupledWeightDecay: false };
  const cases: Array<Partial<AdamOptions>> = [
    {},
    { eps: 1e-3 },
    { weightDecay: 0.1 },
    { amsgrad: true },
    { betas: [0.5, 0.9], eps: 1e-3, amsgrad: true, weightDecay: 0.02 },
  ];
  for (const c of cases) {
    it(`Adam ${JSON.stringify(c)}`, () => {
      expectClose(runTs((ps) => new Adam(ps, { ...base, ...c })), adamReference({ ...base, ...c }));
    });
  }
  it('AdamW (decoupled weight decay 0.1)', () => {
    const o = { ...base, weightDecay: 0.1 };
    expectClose(runTs((ps) => new AdamW(ps, { lr: o.lr, weightDecay: 0.1 })), adamReference({ ...o, decoupledWeightDecay: true }));
  });

  it('places eps outside the bias-corrected sqrt (eps inside would differ measurably at eps=1e-3)', () => {
    const o = { ...base, eps: 1e-3 };
    const ours = runTs((ps) => new Adam(ps, o));
    // The wrong convention: p -= lr * m_hat / sqrt(v_hat + eps)
    const p = [...P0];
    const m = P0.map(() => 0);
    const v = P0.map(() => 0);
    for (let t = 1; t <= STEPS; t++) {
      for (let i = 0; i < p.length; i++) {
        const g = grad(t, i);
        m[i] = 0.9 * m[i]! + 0.1 * g;
        v[i] = 0.999 * v[i]! + 0.001 * g * g;
        p[i] = p[i]! - (o.lr * (m[i]! / (1 - 0.9 ** t))) / Math.sqrt(v[i]! / (1 - 0.999 ** t) + o.eps);
      }
    }
    const worst = Math.max(...ours.map((x, i) => Math.abs(x - p[i]!)));
    expect(worst).toBeGreaterThan(1e-4);
  });

  it('keeps the tensor count flat across steps', () => {
    const p = new Parameter(tf.tensor1d(P0));
    const opt = new Adam([p], { amsgrad: true });
    const counts: number[] = [];
    for (let t = 1; t <= 5; t++) {
      p.grad = tf.tensor1d(P0.map((_, i) => grad(t, i)));
      opt.step();
      opt.zeroGrad();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(1)).size).toBe(1);
    p.dispose();
    opt.disposeState();
  });
});
