import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { describeParity, expectParity } from '../support/session.js';
import { OPTIM_CASES, SCHEDULER_CASES, runOptimCase, runSchedulerCase } from './cases.js';

describeParity('optimizers: 100 steps on a fixed gradient sequence vs PyTorch', (session) => {
  for (const c of OPTIM_CASES) {
    it(c.name, async () => {
      const before = tf.memory().numTensors;
      expectParity(await runOptimCase(session.py, c, tf.getBackend()));
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describeParity('LR schedulers: learning-rate sequences vs torch.optim.lr_scheduler', (session) => {
  for (const c of SCHEDULER_CASES) {
    it(c.name, async () => {
      expectParity(await runSchedulerCase(session.py, c, tf.getBackend()));
    });
  }
});
