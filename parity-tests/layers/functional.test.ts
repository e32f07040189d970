import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { availableBackends, describeParity, expectParity, pythonAvailable } from '../support/session.js';
import { FUNCTIONAL_CASES, runFunctionalCase } from './functional-cases.js';

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

describeParity('F (torch.nn.functional): output and input gradient vs PyTorch, on every available backend', (session) => {
  for (const backend of backends) {
    for (const c of FUNCTIONAL_CASES) {
      it(`${c.name} on ${backend}`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runFunctionalCase(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
