import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { availableBackends, describeParity, expectParity, pythonAvailable } from '../support/session.js';
import { OPTIM_CASES, SCHEDULER_CASES, runOptimCase, runSchedulerCase } from './cases.js';

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

describeParity('optimizers: 100 steps on a fixed gradient sequence vs PyTorch, on every available backend', (session) => {
  it('finds at least the cpu backend', () => {
    expect(backends).toContain('cpu');
  });
  for (const backend of backends) {
    for (const c of OPTIM_CASES) {
      it(`${c.name} on ${backend}`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runOptimCase(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
});

describeParity('LR schedulers: learning-rate sequences vs torch.optim.lr_scheduler, on every available backend', (session) => {
  for (const backend of backends) {
    for (const c of SCHEDULER_CASES) {
      it(`${c.name} on ${backend}`, async () => {
        await useBackend(backend);
        expectParity(await runSchedulerCase(session.py, c, backend));
      });
    }
  }
});
