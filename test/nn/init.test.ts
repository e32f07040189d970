/** nn.init on Parameters with PyTorch shapes: exact bounds, statistics, same-seed determinism, fan rules. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import * as init from '../../src/nn/init.js';
import { Parameter } from '../../src/nn/parameter.js';
import { manualSeed } from '../../src/nn/generator.js';

beforeAll(async () => {
  await useBackend('cpu');
});

function param(shape: number[]): Parameter {
  return new Parameter(tf.zeros(shape));
}

function values(p: Parameter): Float64Array {
  return Float64Array.from(p.variable.dataSync());
}

function stats(v: Float64Array): { mean: number; std: number; min: number; max: number } {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

describe('nn.init (torch.nn.init)', () => {
  it('calculate_gain gives torch values', () => {
    expect(init.calculate_gain('linear')).toBe(1);
    expect(init.calculate_gain('conv2d')).toBe(1);
    expect(init.calculate_gain('sigmoid')).toBe(1);
    expect(init.calculate_gain('tanh')).toBeCloseTo(5 / 3, 15);
    expect(init.calculate_gain('relu')).toBeCloseTo(Math.SQRT2, 15);
    expect(init.calculate_gain('leaky_relu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 15);
    expect(init.calculate_gain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(init.calculate_gain('selu')).toBe(0.75);
    expect(() => init.calculate_gain('softplus' as never)).toThrow(/unsupported nonlinearity 'softplus'/);
  });

  it('uses PyTorch fan rules on [out, in, kh, kw]', () => {
    expect(init.calculateFanInAndFanOut([64, 3, 5, 7])).toEqual({ fanIn: 105, fanOut: 2240 });
    expect(init.calculateFanInAndFanOut([256, 784])).toEqual({ fanIn: 784, fanOut: 256 });
    expect(() => init.calculateFanInAndFanOut([5])).toThrow(/at least 2 dimensions/);
  });

  it('kaiming_uniform_ stays inside gain*sqrt(3/fan) and reaches close to it (fan_in and fan_out)', () => {
    manualSeed(1);
    const w = param([64, 32, 3, 3]);
    const bound = Math.SQRT2 * Math.sqrt(3 / (32 * 9));
    const s = stats(values(init.kaiming_uniform_(w, { nonlinearity: 'relu' })));
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(bound * 0.99);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 2);
    const outBound = Math.sqrt(2 / (1 + 0.1 ** 2)) * Math.sqrt(3 / (64 * 9));
    const o = stats(values(init.kaiming_uniform_(w, { a: 0.1, mode: 'fan_out' })));
    expect(o.max).toBeLessThanOrEqual(outBound);
    expect(o.max).toBeGreaterThan(outBound * 0.99);
    w.dispose();
  });

  it('kaiming_normal_, xavier_normal_ and normal_ have the std torch prescribes', () => {
    manualSeed(2);
    const w = param([200, 150]);
    expect(stats(values(init.kaiming_normal_(w))).std).toBeCloseTo(Math.SQRT2 / Math.sqrt(150), 2);
    expect(stats(values(init.kaiming_normal_(w, { mode: 'fan_out', nonlinearity: 'tanh' }))).std).toBeCloseTo(5 / 3 / Math.sqrt(200), 2);
    expect(stats(values(init.xavier_normal_(w, 2))).std).toBeCloseTo(2 * Math.sqrt(2 / 350), 2);
    const n = stats(values(init.normal_(w, 3, 0.5)));
    expect(n.mean).toBeCloseTo(3, 1);
    expect(n.std).toBeCloseTo(0.5, 1);
    w.dispose();
  });

  it('xavier_uniform_ and uniform_ respect their bounds exactly', () => {
    manualSeed(3);
    const w = param([40, 60]);
    const b = Math.sqrt(6 / 100);
    const x = stats(values(init.xavier_uniform_(w)));
    expect(x.max).toBeLessThanOrEqual(b);
    expect(x.min).toBeGreaterThanOrEqual(-b);
    expect(x.max).toBeGreaterThan(b * 0.99);
    const u = stats(values(init.uniform_(w, -0.25, 0.75)));
    expect(u.min).toBeGreaterThanOrEqual(-0.25);
    expect(u.max).toBeLessThan(0.75);
    expect(u.mean).toBeCloseTo(0.25, 1);
    expect(() => init.uniform_(w, 1, 0)).toThrow(/expected a <= b/);
    w.dispose();
  });

  it('trunc_normal_ stays in [a, b] with the truncated distribution', () => {
    manualSeed(4);
    const w = param([100, 100]);
    const s = stats(values(init.trunc_normal_(w, 0, 1, -2, 2)));
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThanOrEqual(2);
    expect(s.std).toBeCloseTo(0.8796, 1); // std of N(0,1) truncated to [-2, 2]
    const t = stats(values(init.trunc_normal_(w, 0, 0.02, -0.04, 0.04)));
    expect(t.max).toBeLessThanOrEqual(0.04);
    w.dispose();
  });

  it('constant_, zeros_, ones_ fill exactly; every function returns its argument', () => {
    const w = param([3, 4]);
    expect(init.constant_(w, 0.3)).toBe(w);
    expect([...w.variable.dataSync()]).toEqual(Array(12).fill(Math.fround(0.3)));
    init.ones_(w);
    expect([...w.variable.dataSync()]).toEqual(Array(12).fill(1));
    init.zeros_(w);
    expect([...w.variable.dataSync()]).toEqual(Array(12).fill(0));
    w.dispose();
  });

  it('is deterministic under manual_seed and an explicit generator, and leaks no tensors', () => {
    const w = param([8, 5]);
    const before = tf.memory().numTensors;
    manualSeed(7);
    const first = values(init.kaiming_uniform_(w));
    manualSeed(7);
    const second = values(init.kaiming_uniform_(w));
    expect(second).toEqual(first);
    const third = values(init.kaiming_uniform_(w));
    expect(third).not.toEqual(first);
    const g = manualSeed(11);
    const a = values(init.normal_(w, 0, 1, { generator: g }));
    expect(values(init.normal_(w, 0, 1, { generator: manualSeed(11) }))).toEqual(a);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});
