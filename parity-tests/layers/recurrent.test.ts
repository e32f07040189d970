/**
 * nn.RNN, nn.LSTM and nn.GRU against torch.nn on every available backend (cpu, wasm, tensorflow when installed):
 * outputs, final states and all gradients (input, h_0/c_0, every parameter) under the float64 policy. The last
 * test swaps two LSTM gates (input and forget, a wrong gate order) and shows the suite fails.
 */
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { availableBackends, describeFailures, describeParity, expectParity, pythonAvailable } from '../support/session.js';
import { RECURRENT_CASES, runRecurrentCase } from './recurrent-cases.js';

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

describeParity('nn.RNN / nn.LSTM / nn.GRU: outputs, final states and every gradient vs PyTorch', (session) => {
  it('runs on cpu, wasm and (when installed) tensorflow', () => {
    expect(backends).toEqual(expect.arrayContaining(['cpu', 'wasm']));
  });
  it("extra_repr (PyTorch's printed hyperparameters) matches for every case", async () => {
    for (const c of RECURRENT_CASES) {
      const m = c.make();
      const ref = await session.py.call<{ extra_repr: string }>('module_hyperparameters', { spec: c.torch }, new Map());
      expect(m.extraRepr(), c.name).toBe(ref.result.extra_repr);
      m.dispose();
    }
  });
  for (const backend of backends) {
    for (const c of RECURRENT_CASES) {
      it(`${c.name} on ${backend}`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runRecurrentCase(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
  it('fails when the LSTM input and forget gates are swapped (a wrong gate order)', async () => {
    await useBackend('cpu');
    const rows = await runRecurrentCase(session.py, RECURRENT_CASES[0]!, 'cpu', (m) => {
      const p = m.namedParameters().find(([k]) => k === 'weight_ih_l0')![1];
      const H = m.hiddenSize;
      const [i, f, rest] = tf.split(p.variable, [H, H, 2 * H], 0);
      p.assign(tf.concat([f!, i!, rest!], 0));
      tf.dispose([i!, f!, rest!]);
    });
    const failures = describeFailures(rows);
    expect(failures).toContain('recurrent/LSTM');
    expect(failures).toContain('/output');
  });
});
