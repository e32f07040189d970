/**
 * twinml's SIMD BatchMatMul on wasm against the cpu backend: every transpose combination, shapes the SIMD
 * block covers (M % 4 == 0; N % 8 != 0 through a zero-padded last panel) and shapes that fall back to the
 * previous kernel, forward and the
 * gradients tf.matMul produces (which use transposeA and transposeB).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { gemmSimd } from '../../src/backend/wasm/gemm-simd.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';

describe('SIMD BatchMatMul on wasm', () => {
  const cases: Array<[number, number, number]> = [
    [4, 1, 8],
    [64, 784, 256],
    [8, 37, 24],
    [12, 5, 16],
    [784, 64, 256],
    [6, 9, 10], // falls back (M % 4)
    [64, 128, 10], // the last 2 columns through the zero-padded panel
    [128, 64, 10],
    [8, 5, 3], // N < 8: only the padded panel
    [4, 3, 13],
    [512, 2048, 16], // transposeA: the power-of-two row stride of a GPT's c_fc weight gradient, repacked A
    [20, 7, 8], // transposeA read in place (row stride 80 bytes, K shallow)
    [256, 7, 8], // transposeA repacked (row stride 1 KiB): K % 4 = 3 rows after the 4-row moves
    [12, 1030, 24], // transposeA: K in 256-deep slices accumulated into C, the last one 6 deep
  ];
  for (const [m, k, n] of cases) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${m}x${k}x${n} transposeA=${tA} transposeB=${tB} matches cpu`, async () => {
        const rng = new Rng(m * 1000 + k * 10 + n);
        const aShape = tA ? [k, m] : [m, k];
        const bShape = tB ? [n, k] : [k, n];
        const av = randomHost(rng, aShape);
        const bv = randomHost(rng, bShape);
        const run = () => [tf.matMul(tf.tensor2d(av, aShape as [number, number]), tf.tensor2d(bv, bShape as [number, number]), tA, tB)];
        const want = await onBackend('cpu', run);
        const got = await onBackend('wasm', run);
        // Sums of k products of values in [-1, 1): float32 rounding grows like sqrt(k) * eps.
        expect(relativeError(got[0]!, want[0]!)).toBeLessThan(1e-5);
      });
    }
  }

  it('matches cpu for a batch-1 rank-3 product and for the gradients of a Linear-like layer', async () => {
    const rng = new Rng(9);
    const xv = randomHost(rng, [1, 16, 24]);
    const wv = randomHost(rng, [24, 32]);
    const dyv = randomHost(rng, [16, 32]);
    const run = () => {
      const x3 = tf.tensor3d(xv, [1, 16, 24]);
      const w = tf.tensor2d(wv, [24, 32]);
      const x = tf.reshape(x3, [16, 24]) as tf.Tensor2D;
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
      const [dx, dw] = tf.grads(f)([x, w], tf.tensor2d(dyv, [16, 32]));
      return [tf.matMul(x3, tf.reshape(w, [1, 24, 32])), dx!, dw!];
    };
    const want = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    want.forEach((w, i) => expect(relativeError(got[i]!, w), `output ${i}`).toBeLessThan(1e-5));
  });

  // Attention's batched products: [N, H, L, E]·[N, H, S, E]ᵀ and the like, and one side broadcast (batch 1).
  const batched: Array<{ a: number[]; b: number[]; tA: boolean; tB: boolean }> = [
    { a: [16, 2, 32, 32], b: [16, 2, 32, 32], tA: false, tB: false },
    { a: [3, 2, 8, 5], b: [3, 2, 12, 5], tA: false, tB: true },
    { a: [3, 2, 5, 8], b: [3, 2, 5, 12], tA: true, tB: false },
    { a: [4, 12, 8], b: [4, 9, 12], tA: true, tB: true },
    { a: [5, 8, 7], b: [7, 6], tA: false, tB: false },
    { a: [8, 7], b: [5, 7, 6], tA: false, tB: false },
    { a: [1, 8, 7], b: [3, 6, 7], tA: false, tB: true },
    { a: [3, 6, 7], b: [3, 7, 6], tA: false, tB: false }, // falls back (M % 4)
    { a: [2, 700, 8], b: [2, 700, 9], tA: true, tB: false }, // K slices per matrix of the batch
  ];
  for (const { a: aShape, b: bShape, tA, tB } of batched) {
    it(`batched [${aShape}]·[${bShape}] transposeA=${tA} transposeB=${tB} matches cpu (forward and gradients)`, async () => {
      const rng = new Rng(aShape.length * 100 + bShape[0]!);
      const av = randomHost(rng, aShape);
      const bv = randomHost(rng, bShape);
      const run = () => {
        const a = tf.tensor(av, aShape);
        const b = tf.tensor(bv, bShape);
        const y = tf.matMul(a, b, tA, tB);
        // (tfjs's BatchMatMul gradient does not reduce a broadcast batch: forward only there.)
        if (a.rank !== b.rank || a.shape[0] !== b.shape[0]) return [y];
        const cot = tf.tensor(randomHost(new Rng(3), y.shape), y.shape);
        const [da, db] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, w, tA, tB), cot)))([a, b]);
        return [y, da!, db!];
      };
      const want = await onBackend('cpu', run);
      const got = await onBackend('wasm', run);
      want.forEach((w, i) => expect(relativeError(got[i]!, w), `output ${i}`).toBeLessThan(1e-5));
    });
  }

  it('is the kernel that runs for a covered shape (and the generated module validates)', async () => {
    await useBackend('wasm');
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: object } } }).wasm.asm.memory;
    expect(gemmSimd(memory, { m: 8, n: 16, k: 3, transposeA: false, transposeB: true })).toBeTypeOf('function');
    const a = tf.ones([8, 3]);
    const b = tf.ones([3, 16]);
    const c = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
    expect(Array.from(c.dataSync())).toEqual(new Array(128).fill(3));
    tf.dispose([a, b, c]);
  });
});

/** Runs in a child Node: the GEMM twinml picks (fused multiply-add or mul+add) against the cpu backend (built dist/). */
const RELAXED_CHILD = `
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './dist/backend/index.js';
import { hasRelaxedSimd, relaxedSimdStatus } from './dist/backend/wasm/relaxed-simd.js';
let worst = 0;
for (const [m, k, n, tA, tB] of [[64, 784, 256, false, false], [784, 64, 256, true, false], [64, 128, 256, false, true], [8, 37, 24, true, true]]) {
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i * 0.37));
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i * 0.11));
  const run = async (backend) => {
    await useBackend(backend);
    const c = tf.matMul(tf.tensor2d(a, tA ? [k, m] : [m, k]), tf.tensor2d(b, tB ? [n, k] : [k, n]), tA, tB);
    const v = Float32Array.from(c.dataSync());
    tf.disposeVariables();
    return v;
  };
  const want = await run('cpu');
  const got = await run('wasm');
  let diff = 0, scale = 1;
  for (let i = 0; i < want.length; i++) { diff = Math.max(diff, Math.abs(got[i] - want[i])); scale = Math.max(scale, Math.abs(want[i])); }
  worst = Math.max(worst, diff / scale);
}
console.log(JSON.stringify({ relaxed: hasRelaxedSimd(), status: relaxedSimdStatus(), worst }));
`;

describe('SIMD BatchMatMul with relaxed SIMD (fused multiply-add)', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = (flags: string[], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', RELAXED_CHILD], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { relaxed: boolean; status: string; worst: number };
  };

  it('is used when Node is started with relaxed SIMD, and matches cpu', () => {
    const out = child(['--experimental-wasm-relaxed-simd']);
    expect(out).toMatchObject({ relaxed: true, status: 'available' });
    expect(out.worst).toBeLessThan(1e-5);
  });

  const node2x = /^2[01]\./.test(process.versions.node);
  it.runIf(node2x)('is turned on at run time on Node 20/21 without the flag, and matches cpu', () => {
    const out = child([]);
    expect(out).toMatchObject({ relaxed: true, status: 'enabled at run time' });
    expect(out.worst).toBeLessThan(1e-5);
  });

  it('stays off with TWINML_WASM_RELAXED_SIMD=0 (the mul+add kernel runs and matches cpu)', () => {
    const out = child([], { TWINML_WASM_RELAXED_SIMD: '0' });
    expect(out).toMatchObject({ relaxed: false, status: 'off (wasmRelaxedSimd: false)' });
    expect(out.worst).toBeLessThan(1e-5);
  });
});
