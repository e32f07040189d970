import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { availableBackends, describeParity, expectParity, pythonAvailable } from '../support/session.js';
import { LOSS_CASES, runLossCase } from './cases.js';

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

describeParity('losses: value and input gradient vs PyTorch, on every available backend', (session) => {
  for (const backend of backends) {
    for (const c of LOSS_CASES) {
      it(`${c.name} on ${backend}`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        const rows = await runLossCase(session.py, c, backend);
        expectParity(rows);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
