import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { describeParity, expectParity } from '../support/session.js';
import { LAYER_CASES, runLayerCase } from './cases.js';

describeParity('layers: forward, input and parameter gradients, buffers vs PyTorch', (session) => {
  for (const c of LAYER_CASES) {
    it(c.name, async () => {
      const before = tf.memory().numTensors;
      expectParity(await runLayerCase(session.py, c, tf.getBackend()));
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
