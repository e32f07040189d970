/**
 * The fused LSTM/GRU cell kernels (src/backend/recurrent-cells.ts; wasm: one heap pass forward and one backward)
 * against the cpu backend, where the cells compose tfjs ops differentiated by tfjs: outputs and the gradients of
 * gx, gh and the state, with random cotangents, on every backend that loads.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/util/rng.js';
import { gruCell, lstmCell, GRU_CELL, GRU_CELL_GRAD, LSTM_CELL, LSTM_CELL_GRAD } from '../../src/backend/recurrent-cells.js';
import { availableBackends, onBackend, randomHost, relativeError } from './helpers.js';
import { useBackend } from '../../src/backend/index.js';

const backends = (await availableBackends()).filter((b) => b !== 'cpu');

interface CellCase {
  name: string;
  gates: number;
  B: number;
  H: number;
}

const CASES: CellCase[] = [
  { name: 'LSTM', gates: 4, B: 3, H: 5 },
  { name: 'LSTM', gates: 4, B: 1, H: 1 },
  { name: 'GRU', gates: 3, B: 3, H: 5 },
  { name: 'GRU', gates: 3, B: 2, H: 7 },
];

/** Host inputs: gx, gh (scaled so the gates saturate somewhere), state, and cotangents of every output. */
function inputs(c: CellCase): Float32Array[] {
  const rng = new Rng(c.B * 100 + c.H + c.gates);
  const scaled = (shape: number[], s: number) => randomHost(rng, shape).map((v) => v * s);
  const g = [c.B, c.gates * c.H];
  const s = [c.B, c.H];
  return [scaled(g, 3), scaled(g, 3), scaled(s, 1), scaled(s, 1), scaled(s, 1)];
}

/** [outputs..., d gx, d gh, d state] of one cell on the current backend. */
function runCell(c: CellCase, host: Float32Array[]): tf.Tensor[] {
  const g = [c.B, c.gates * c.H];
  const s = [c.B, c.H];
  const [gx, gh, state, cot1, cot2] = [tf.tensor(host[0]!, g), tf.tensor(host[1]!, g), tf.tensor(host[2]!, s), tf.tensor(host[3]!, s), tf.tensor(host[4]!, s)];
  const f = (a: tf.Tensor, b: tf.Tensor, st: tf.Tensor): tf.Tensor[] => {
    if (c.gates === 4) {
      const out = lstmCell(a, b, st);
      return [out.h, out.c];
    }
    return [gruCell(a, b, st)];
  };
  const outs = f(gx!, gh!, state!);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, st: tf.Tensor) => {
    const o = f(a, b, st);
    const loss = tf.sum(tf.mul(o[0]!, cot1!));
    return o[1] ? tf.add(loss, tf.sum(tf.mul(o[1], cot2!))) : loss;
  })([gx!, gh!, state!]);
  return [...outs, ...grads];
}

describe('fused recurrent cell kernels', () => {
  it('are registered on wasm (forward and gradient)', async () => {
    await useBackend('wasm');
    for (const name of [LSTM_CELL, LSTM_CELL_GRAD, GRU_CELL, GRU_CELL_GRAD]) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
  });

  for (const backend of backends) {
    for (const c of CASES) {
      it(`${backend}: ${c.name} cell B=${c.B} H=${c.H} matches cpu (outputs, d gx, d gh, d state)`, async () => {
        const host = inputs(c);
        const want = await onBackend('cpu', () => runCell(c, host));
        const got = await onBackend(backend, () => runCell(c, host));
        expect(got.length).toBe(want.length);
        want.forEach((w, i) => expect(relativeError(got[i]!, w), `tensor ${i}`).toBeLessThanOrEqual(1e-5));
      });
    }
  }

  it('wasm runs one engine kernel per cell each way (no Sigmoid/Tanh ops; the fused kernel calls the backend Sigmoid on the heap)', async () => {
    await useBackend('wasm');
    const c = CASES[0]!;
    const host = inputs(c);
    const profile = await tf.profile(() => {
      tf.dispose(tf.tidy(() => runCell(c, host)));
    });
    const names = profile.kernels.map((k) => k.name);
    expect(names).toContain(LSTM_CELL);
    expect(names).toContain(LSTM_CELL_GRAD);
    expect(names).not.toContain('Sigmoid');
    expect(names).not.toContain('Tanh');
  });

  it('leaks no tensors on wasm', async () => {
    await useBackend('wasm');
    const host = inputs(CASES[2]!);
    const before = tf.memory().numTensors;
    tf.dispose(tf.tidy(() => runCell(CASES[0]!, inputs(CASES[0]!))));
    tf.dispose(tf.tidy(() => runCell(CASES[2]!, host)));
    expect(tf.memory().numTensors).toBe(before);
  });
});
