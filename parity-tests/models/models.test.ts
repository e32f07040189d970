import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { availableBackends, describeParity, expectParity, pythonAvailable, recordLocalisation } from '../support/session.js';
import { runModelStep, runModelTrajectory, zooCases } from './zoo-cases.js';
import { localise } from './localise.js';

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

describeParity('zoo models vs their PyTorch originals, on every available backend', (session) => {
  it('finds the zoo and at least the cpu backend', () => {
    expect(zooCases().length).toBeGreaterThan(0);
    expect(backends).toContain('cpu');
  });
  for (const backend of backends) {
    for (const c of zooCases()) {
      it(`${c.name} on ${backend}: logits, loss, every parameter gradient`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runModelStep(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
      it(`${c.name} on ${backend}: 20-step training trajectory`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runModelTrajectory(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
      it(`${c.name} on ${backend}: every module output agrees (localisation finds nothing)`, async () => {
        await useBackend(backend);
        const { localisation, rows } = await localise(session.py, c, backend);
        recordLocalisation(localisation);
        expectParity(rows);
        expect(localisation.firstDivergingModule).toBeNull();
      });
    }
  }
});
