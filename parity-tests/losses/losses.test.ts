import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { describeParity, expectParity } from '../support/session.js';
import { LOSS_CASES, runLossCase } from './cases.js';

describeParity('losses: value and input gradient vs PyTorch', (session) => {
  for (const c of LOSS_CASES) {
    it(c.name, async () => {
      const before = tf.memory().numTensors;
      expectParity(await runLossCase(session.py, c, tf.getBackend()));
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
