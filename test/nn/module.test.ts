/** Module tree, PyTorch state_dict keys/layouts/init, strict loading errors. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Linear, ReLU, Sequential, Flatten, Dropout, manualSeed, Tanh, Sigmoid } from '../../src/nn/index.js';
import { MLP } from '../../src/models/mlp/model.js';
import { Adaline } from '../../src/models/adaline/model.js';
import { withBackend } from '../helpers/backend.js';

beforeAll(async () => {
  await withBackend('cpu');
});

describe('state_dict', () => {
  it('uses PyTorch keys, shapes and [out, in] layout for the MLP', () => {
    manualSeed(0);
    const m = new MLP({ inFeatures: 784, hidden: [256, 128], numClasses: 10, dropout: 0 });
    const sd = m.stateDict();
    expect([...sd.keys()]).toEqual(['net.1.weight', 'net.1.bias', 'net.3.weight', 'net.3.bias', 'net.5.weight', 'net.5.bias']);
    expect(sd.get('net.1.weight')!.shape).toEqual([256, 784]);
    expect(sd.get('net.5.weight')!.shape).toEqual([10, 128]);
    const a = new Adaline({ inFeatures: 784 });
    expect([...a.stateDict().keys()]).toEqual(['linear.weight', 'linear.bias']);
    m.dispose();
    a.dispose();
  });

  it('computes x @ W^T + b with W in PyTorch layout', () => {
    manualSeed(1);
    const lin = new Linear(3, 2);
    const sd = lin.stateDict();
    const W = sd.get('weight')!.data as Float32Array; // [2, 3] row-major
    const b = sd.get('bias')!.data as Float32Array;
    const x = [0.5, -1, 2];
    const y = tf.tidy(() => lin.call(tf.tensor2d([x])).dataSync());
    for (let o = 0; o < 2; o++) {
      const expected = x.reduce((s, v, i) => s + v * W[o * 3 + i]!, b[o]!);
      expect(Math.abs(y[o]! - expected)).toBeLessThan(1e-6);
    }
    lin.dispose();
  });

  it("draws kaiming_uniform(a=sqrt(5)) weights and 1/sqrt(fan_in) biases (PyTorch's defaults)", () => {
    manualSeed(2);
    const lin = new Linear(400, 300);
    const bound = 1 / Math.sqrt(400); // gain sqrt(2/6) * sqrt(3/fan_in) = 1/sqrt(fan_in)
    const w = lin.stateDict().get('weight')!.data as Float32Array;
    const b = lin.stateDict().get('bias')!.data as Float32Array;
    const maxW = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxW).toBeLessThanOrEqual(bound);
    expect(maxW).toBeGreaterThan(0.99 * bound);
    const varW = w.reduce((s, v) => s + v * v, 0) / w.length;
    expect(Math.abs(varW - (bound * bound) / 3) / ((bound * bound) / 3)).toBeLessThan(0.02);
    expect(b.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(bound);
    lin.dispose();
  });

  it('round-trips through loadStateDict exactly and is reproducible from the seed', () => {
    manualSeed(5);
    const a = new MLP({ inFeatures: 20, hidden: [7], numClasses: 3, dropout: 0 });
    manualSeed(5);
    const same = new MLP({ inFeatures: 20, hidden: [7], numClasses: 3, dropout: 0 });
    manualSeed(6);
    const b = new MLP({ inFeatures: 20, hidden: [7], numClasses: 3, dropout: 0 });
    const sdA = a.stateDict();
    expect(Array.from(same.stateDict().get('net.1.weight')!.data as Float32Array)).toEqual(Array.from(sdA.get('net.1.weight')!.data as Float32Array));
    b.loadStateDict(sdA);
    for (const [k, v] of b.stateDict()) expect(Array.from(v.data as Float32Array)).toEqual(Array.from(sdA.get(k)!.data as Float32Array));
    [a, same, b].forEach((m) => m.dispose());
  });

  it('lists missing, unexpected and mis-shaped keys', () => {
    const m = new MLP({ inFeatures: 20, hidden: [7], numClasses: 3, dropout: 0 });
    const sd = m.stateDict();
    sd.delete('net.1.bias');
    sd.set('net.9.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    sd.set('net.3.weight', { dtype: 'float32', shape: [7, 3], data: new Float32Array(21) });
    expect(() => m.loadStateDict(sd)).toThrow(/size mismatch for net\.3\.weight: expected \[3, 7\], got \[7, 3\].*missing keys: net\.1\.bias.*unexpected keys: net\.9\.weight/);
    m.dispose();
  });
});

describe('modules', () => {
  it('Flatten keeps C,H,W order; activations match their formulas; Sequential names children 0..n', () => {
    const x = tf.tensor4d(Array.from({ length: 2 * 3 * 2 * 2 }, (_, i) => i - 11.5), [2, 3, 2, 2]);
    expect(Array.from(new Flatten().call(x).dataSync())).toEqual(Array.from(x.dataSync()));
    const v = [-2, -0.5, 0, 0.5, 3];
    const t = tf.tensor1d(v);
    expect(Array.from(new ReLU().call(t).dataSync())).toEqual(v.map((a) => Math.max(a, 0)));
    Array.from(new Tanh().call(t).dataSync()).forEach((y, i) => expect(Math.abs(y - Math.tanh(v[i]!))).toBeLessThan(1e-6));
    Array.from(new Sigmoid().call(t).dataSync()).forEach((y, i) => expect(Math.abs(y - 1 / (1 + Math.exp(-v[i]!)))).toBeLessThan(1e-6));
    const seq = new Sequential(new Linear(2, 2), new ReLU());
    expect(seq.namedChildren().map(([n]) => n)).toEqual(['0', '1']);
    seq.dispose();
  });

  it('Dropout scales kept units by 1/(1-p) in training and is the identity in eval', () => {
    manualSeed(3);
    const d = new Dropout(0.25);
    const x = tf.ones([1000]);
    const y = d.call(x).dataSync();
    const kept = Array.from(y).filter((v) => v !== 0);
    kept.forEach((v) => expect(v).toBeCloseTo(1 / 0.75, 6));
    expect(Math.abs(kept.length / 1000 - 0.75)).toBeLessThan(0.05);
    d.eval();
    expect(Array.from(d.call(x).dataSync()).every((v) => v === 1)).toBe(true);
  });
});
