/**
 * TwinmlGelu / TwinmlGeluGrad on wasm (src/backend/wasm/gelu-kernels.ts, the contract of
 * src/backend/gelu-kernel-names.ts): against the cpu backend's composed x/2·(1 + erf(x/√2)) (and the tanh form)
 * and its tf.grad, against PyTorch's gelu / gelu_backward under the float64 parity policy (when Python with torch
 * is found), a finite-difference check of the gradient against the forward kernel, bad input, and no leaks.
 * Sizes with n % 4 = 1, 2, 3 exercise the padded tail.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { GELU, GELU_GRAD } from '../../src/backend/gelu-kernel-names.js';
import { findPython } from '../../src/bridge/find-python.js';
import { compareTensor, EPS32 } from '../../src/parity/tolerance.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend } from './helpers.js';

const APPROXIMATIONS = ['none', 'tanh'] as const;
const SHAPES = [[4, 512], [2, 3, 5], [7], [1], [3, 3]];

/** Values in [-6, 6) plus the exact points 0, ±1e-4 (tanh's small-argument cut), ±13.2 (the pdf cut). */
function inputs(seed: number, n: number): [Float32Array, Float32Array] {
  const rng = new Rng(seed);
  const x = new Float32Array(n);
  const dy = new Float32Array(n);
  rng.fillUniform(x, -6, 6);
  rng.fillUniform(dy, -1, 1);
  [0, 1e-4, -1e-4, 13.2, -13.3, 3e-4].forEach((v, i) => i < n && (x[i] = v));
  return [x, dy];
}

const kernelRun = (approximate: string, xv: Float32Array, dv: Float32Array, shape: number[]) => () => {
  const x = tf.tensor(xv, shape);
  const dy = tf.tensor(dv, shape);
  return [tf.engine().runKernel(GELU, { x }, { approximate }) as tf.Tensor, tf.engine().runKernel(GELU_GRAD, { dy, x }, { approximate }) as tf.Tensor];
};

/** The cpu reference: tfjs ops, and tf.grad of them. */
const composedRun = (approximate: string, xv: Float32Array, dv: Float32Array, shape: number[]) => () => {
  const f = (x: tf.Tensor) =>
    approximate === 'none'
      ? tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))))
      : tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
  const x = tf.tensor(xv, shape);
  const dy = tf.tensor(dv, shape);
  return [f(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), dy)))(x)];
};

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('GELU kernels on wasm', () => {
  for (const approximate of APPROXIMATIONS) {
    for (const shape of SHAPES) {
      it(`approximate='${approximate}' [${shape}] matches the cpu composition (forward and gradient)`, async () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const [xv, dv] = inputs(n, n);
        const got = await onBackend('wasm', kernelRun(approximate, xv, dv, shape));
        const want = await onBackend('cpu', composedRun(approximate, xv, dv, shape));
        // Both sides are float32 with approximate erf/tanh (tfjs cpu: Abramowitz-Stegun 7.1.26, 1.5e-7; ours:
        // 4.2e-7 absolute): |Δy| <= |x|/2·6e-7 + rounding, |Δdx| <= |dy|·(6e-7 + |x|·pdf error) + rounding.
        for (let i = 0; i < 2; i++) {
          const bound = 16 * EPS32 * maxAbs(want[i]!) + 6 * 6e-7;
          expect(maxAbsDiff(got[i]!, want[i]!)).toBeLessThan(bound);
        }
      });
    }
  }

  for (const approximate of APPROXIMATIONS) {
    it(`approximate='${approximate}': the gradient kernel is the forward kernel's derivative (central differences)`, async () => {
      const n = 401;
      const xv = Float32Array.from({ length: n }, (_, i) => -8 + (16 * i) / (n - 1));
      const h = 1e-2;
      const [plus, minus, grad] = await onBackend('wasm', () => {
        const at = (d: number) => tf.engine().runKernel(GELU, { x: tf.add(tf.tensor(xv), d) }, { approximate }) as tf.Tensor;
        return [at(h), at(-h), tf.engine().runKernel(GELU_GRAD, { dy: tf.onesLike(tf.tensor(xv)), x: tf.tensor(xv) }, { approximate }) as tf.Tensor];
      });
      // Truncation h²/6·|gelu'''| <= 2e-5, float32 rounding of y (|y| <= 8) over 2h: 8·2^-23/1e-2·2 <= 2e-4.
      const fd = plus!.map((p, i) => (p - minus![i]!) / (2 * h));
      expect(maxAbsDiff(fd, grad!)).toBeLessThan(5e-4);
    });
  }

  it('rejects an unknown approximation, non-float32 input and mismatched shapes, naming them', async () => {
    await useBackend('wasm');
    const x = tf.tensor([1, 2, 3]);
    expect(() => tf.engine().runKernel(GELU, { x }, { approximate: 'erf' })).toThrow(/TwinmlGelu: approximate must be 'none' or 'tanh', got "erf"/);
    expect(() => tf.engine().runKernel(GELU, { x: tf.tensor([1, 2], [2], 'int32') }, { approximate: 'none' })).toThrow(/TwinmlGelu: x must be float32, got int32/);
    expect(() => tf.engine().runKernel(GELU_GRAD, { dy: tf.tensor([1, 2]), x }, { approximate: 'none' })).toThrow(/TwinmlGeluGrad: dy \[2\] and x \[3\] must have one shape/);
    tf.disposeVariables();
  });

  it('leaks no tensors and no backend data (tail sizes included)', async () => {
    await useBackend('wasm');
    const run = () => {
      for (const shape of SHAPES) {
        const n = shape.reduce((a, b) => a * b, 1);
        const [xv, dv] = inputs(1, n);
        tf.dispose(tf.tidy(kernelRun('tanh', xv, dv, shape)));
        tf.dispose(tf.tidy(kernelRun('none', xv, dv, shape)));
      }
    };
    run();
    const before = { tensors: tf.memory().numTensors, data: tf.engine().backend.numDataIds() };
    for (let i = 0; i < 3; i++) run();
    expect({ tensors: tf.memory().numTensors, data: tf.engine().backend.numDataIds() }).toEqual(before);
  });
});

/** PyTorch's gelu and gelu_backward in float64 (G) and float32 (P) on the same float32 inputs. */
function torchGelu(approximate: string, x: Float32Array, dy: Float32Array): { g: number[][]; p: number[][] } | null {
  const python = findPython().chosen?.executable;
  if (!python) return null;
  const script = `
import json, sys, torch
job = json.load(sys.stdin)
out = {}
for name, dt in (("g", torch.float64), ("p", torch.float32)):
    x = torch.tensor(job["x"], dtype=torch.float32).to(dt)
    dy = torch.tensor(job["dy"], dtype=torch.float32).to(dt)
    y = torch.nn.functional.gelu(x, approximate=job["a"])
    dx = torch.ops.aten.gelu_backward(dy, x, approximate=job["a"])
    out[name] = [[str(v) for v in y.tolist()], [str(v) for v in dx.tolist()]]
print(json.dumps(out))
`;
  // Python's json reads the bare NaN / Infinity / -Infinity that JSON.stringify cannot write.
  const input = JSON.stringify({ a: approximate, x: Array.from(x, (v) => (Number.isFinite(v) ? v : String(v))), dy: Array.from(dy) }).replace(/"(NaN|-?Infinity)"/g, '$1');
  const r = spawnSync(python, ['-c', script], { input, encoding: 'utf8' });
  if (r.status !== 0) return null;
  const parsed = JSON.parse(r.stdout) as { g: string[][]; p: string[][] };
  const num = (rows: string[][]) => rows.map((row) => row.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v))));
  return { g: num(parsed.g), p: num(parsed.p) };
}

describe('GELU kernels on wasm against PyTorch (float64 parity policy)', () => {
  const n = 1030;
  const [xv, dv] = inputs(7, n);
  xv.set([Infinity, -Infinity, NaN, 40, -40], n - 5);
  for (const approximate of APPROXIMATIONS) {
    const reference = torchGelu(approximate, xv, dv);
    it.skipIf(reference === null)(`approximate='${approximate}': gelu and gelu_backward pass the policy (with ±inf, NaN)`, async () => {
      const got = await onBackend('wasm', kernelRun(approximate, xv, dv, [n]));
      ['gelu', 'gelu_backward'].forEach((name, i) => {
        const host = (dtype: 'float64' | 'float32', values: number[]) => ({ dtype, shape: [n], data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) });
        const row = compareTensor({ subject: 'gelu kernels', name: `${name} ${approximate}`, backend: 'wasm', seed: 7 }, got[i]!, host('float64', reference!.g[i]!), host('float32', reference!.p[i]!));
        expect(row.pass, JSON.stringify(row)).toBe(true);
      });
    });
  }
});
