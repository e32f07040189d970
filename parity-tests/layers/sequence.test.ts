import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { availableBackends, describeParity, expectParity, pythonAvailable } from '../support/session.js';
import { FUNCTION_SEQUENCE_CASES, MODULE_SEQUENCE_CASES, TRANSFORMER_CASES } from './sequence-cases.js';
import { runSequenceCase } from './sequence-runner.js';

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

describeParity('sequence models: functions and modules with several inputs, outputs, input and parameter gradients vs PyTorch, on every backend', (session) => {
  for (const backend of backends) {
    for (const c of [...FUNCTION_SEQUENCE_CASES, ...MODULE_SEQUENCE_CASES, ...TRANSFORMER_CASES]) {
      it(`${c.name} on ${backend}`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runSequenceCase(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});
