import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../../src/backend/index.js';
import { availableBackends, describeParity, expectParity, pythonAvailable } from '../../support/session.js';
import { gptCases, runGPTStep, runGPTTrajectory } from './gpt-cases.js';

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

describeParity('gpt vs its PyTorch original (python/twinml_ref/models/gpt.py), on every available backend', (session) => {
  it('finds at least the cpu backend', () => {
    expect(backends).toContain('cpu');
  });
  for (const backend of backends) {
    for (const c of gptCases()) {
      it(`${c.label} on ${backend}: logits, loss, every parameter gradient, KV-cache logits and cache`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runGPTStep(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
      it(`${c.label} on ${backend}: 20-step AdamW trajectory (decay on 2-D weights, clip_grad_norm_ 1.0)`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runGPTTrajectory(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
