/** The parity policy itself (parity-tests/support/tolerance.ts), on hand-made G, P and T: no Python needed. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CEILING, EPS32, compareExact, compareTensor } from '../../src/parity/tolerance.js';
import type { HostTensor } from '../../src/util/host-tensor.js';

const ctx = { subject: 'test', name: 'test/t', backend: 'cpu', seed: 1 };
const f64 = (values: number[]): HostTensor => ({ dtype: 'float64', shape: [values.length], data: Float64Array.from(values) });
const f32 = (values: number[]): HostTensor => ({ dtype: 'float32', shape: [values.length], data: Float32Array.from(values) });

describe('parity tolerance policy', () => {
  const g = f64([1, -2, 0.5, 4]);
  const p = f64([1 + 1e-6, -2, 0.5, 4 - 2e-6]); // PyTorch float32 error: max 2e-6
  const slack = 16 * EPS32 * 4;

  it('passes up to 2 x PyTorch float32 error + c * eps32 * max|G| and fails just above', () => {
    const bound = 2 * 2e-6 + slack;
    expect(compareTensor(ctx, [1, -2, 0.5, 4 + bound * 0.99], g, p).pass).toBe(true);
    const over = compareTensor(ctx, [1, -2, 0.5, 4 + bound * 1.2], g, p);
    expect(over.pass).toBe(false);
    expect(over.failure).toMatch(/max abs .* > tolerance/);
    expect(over.maxAbs.index).toEqual([3]);
    expect(over.maxAbs.reference).toBe(4);
  });

  it('reports RMSE, relative L2, cosine, mismatches and the ratio to the noise floor', () => {
    const row = compareTensor(ctx, [1, -2, 0.5, 4 + 3e-6], g, p);
    expect(row.rmse).toBeCloseTo(3e-6 / 2, 12);
    expect(row.relL2).toBeCloseTo(3e-6 / Math.sqrt(1 + 4 + 0.25 + 16), 12);
    expect(row.cosine).toBeCloseTo(1, 10);
    expect(row.mismatches).toEqual({ k: 0, n: 4 });
    expect(row.ratioToNoise).toBeCloseTo(1.5, 6);
    expect(row.pytorchFloat32.maxAbs).toBeCloseTo(2e-6, 12);
  });

  it('caps the tolerance at the absolute ceiling however noisy the reference is', () => {
    const noisy = f64([1, -2, 0.5, 4 + 0.01]);
    const row = compareTensor(ctx, [1, -2, 0.5, 4 + 0.005], g, noisy);
    expect(row.tolerance.maxAbs).toBe(DEFAULT_CEILING);
    expect(row.pass).toBe(false);
  });

  it('requires NaN and Inf at exactly the same positions', () => {
    const gn = f64([NaN, Infinity, -Infinity, 1]);
    expect(compareTensor(ctx, [NaN, Infinity, -Infinity, 1], gn, gn).pass).toBe(true);
    const swapped = compareTensor(ctx, [NaN, -Infinity, Infinity, 1], gn, gn);
    expect(swapped.pass).toBe(false);
    expect(swapped.nonFiniteMatch).toBe(false);
    expect(compareTensor(ctx, [0, Infinity, -Infinity, 1], gn, gn).failure).toMatch(/NaN\/Inf positions differ \(first at \[0\]/);
  });

  it('needs a source for a non-default c or ceiling', () => {
    expect(() => compareTensor(ctx, [1, -2, 0.5, 4], g, p, { c: 100 })).toThrow(/needs a source/);
    expect(compareTensor(ctx, [1, -2, 0.5, 4], g, p, { c: 100, source: 'why' }).tolerance.source).toBe('why');
  });

  it('bit-exact rows fail on a single flipped bit, a dtype or a shape change', () => {
    const a = f32([0.1, 0.2, 0.3]);
    const b = f32([0.1, 0.2, 0.3]);
    expect(compareExact(ctx, a, b).pass).toBe(true);
    (b.data as Float32Array)[1] = Math.fround(0.2) + 2 ** -26; // next float32 after 0.2
    expect(compareExact(ctx, a, b).failure).toMatch(/1 of 3 elements differ/);
    expect(compareExact(ctx, a, { ...a, dtype: 'float64', data: Float64Array.from(a.data as Float32Array) }).pass).toBe(false);
    expect(compareExact(ctx, a, { ...a, shape: [3, 1] }).pass).toBe(false);
  });
});
