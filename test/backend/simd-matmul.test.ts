/**
 * twinml's SIMD BatchMatMul on wasm against the cpu backend: every transpose combination, shapes the SIMD
 * block covers (M % 4 == 0, N % 8 == 0) and shapes that fall back to the previous kernel, forward and the
 * gradients tf.matMul produces (which use transposeA and transposeB).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { gemmSimd, hasRelaxedSimd } from '../../src/backend/wasm/gemm-simd.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';

describe('SIMD BatchMatMul on wasm', () => {
  const cases: Array<[number, number, number]> = [
    [4, 1, 8],
    [64, 784, 256],
    [8, 37, 24],
    [12, 5, 16],
    [784, 64, 256],
    [6, 9, 10], // falls back (M % 4, N % 8)
    [64, 128, 10], // falls back (N % 8)
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

/** Runs in a Node started with relaxed SIMD: the fused multiply-add GEMM against the cpu backend (built dist/). */
const RELAXED_CHILD = `
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './dist/backend/index.js';
import { hasRelaxedSimd } from './dist/backend/wasm/gemm-simd.js';
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
console.log(JSON.stringify({ relaxed: hasRelaxedSimd(), worst }));
`;

describe('SIMD BatchMatMul with relaxed SIMD (fused multiply-add)', () => {
  it('is chosen when the engine has relaxed SIMD and matches cpu', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', RELAXED_CHILD], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { relaxed: boolean; worst: number };
    expect(out.relaxed).toBe(true);
    expect(out.worst).toBeLessThan(1e-5);
  });

  const node20WithoutFlag = process.versions.node.startsWith('20.') && !process.execArgv.includes('--experimental-wasm-relaxed-simd');
  it.runIf(node20WithoutFlag)('is not detected on Node 20 without --experimental-wasm-relaxed-simd (the mul+add kernel runs)', () => {
    expect(hasRelaxedSimd()).toBe(false);
  });
});
