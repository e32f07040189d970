import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import { describeParity, recordRows } from '../support/session.js';
import { LOSS_DEFAULT_CASES, MODULE_DEFAULT_CASES, checkLossDefaults, checkModuleDefaults, defaultsProblems } from './cases.js';

describeParity('defaults: every module and loss built with only its required arguments matches PyTorch', (session) => {
  for (const c of MODULE_DEFAULT_CASES) {
    it(`nn.${c.name}: extra_repr, outputs, gradients, buffers`, async () => {
      const before = tf.memory().numTensors;
      const r = await checkModuleDefaults(session.py, c, tf.getBackend());
      recordRows(r.rows);
      expect(r.rows.length).toBeGreaterThan(0);
      expect(defaultsProblems(r)).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  for (const c of LOSS_DEFAULT_CASES) {
    it(`nn.${c.name}: attributes, value, input gradient`, async () => {
      const before = tf.memory().numTensors;
      const r = await checkLossDefaults(session.py, c, tf.getBackend());
      recordRows(r.rows);
      expect(Object.keys(r.torch.attributes ?? {})).toContain('reduction');
      expect(defaultsProblems(r)).toEqual([]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('notices a changed default: LeakyReLU slope 0.02, BatchNorm2d eps 1e-3, CrossEntropyLoss label_smoothing 0.05 built as if they were the defaults', async () => {
    const slope = await checkModuleDefaults(session.py, { ...MODULE_DEFAULT_CASES.find((c) => c.name === 'LeakyReLU()')!, make: () => new nn.LeakyReLU(0.02) }, tf.getBackend());
    expect(defaultsProblems(slope).join('\n')).toMatch(/extra_repr: ours 'negative_slope=0.02', torch 'negative_slope=0.01'/);
    expect(slope.rows.some((r) => !r.pass)).toBe(true);
    const eps = await checkModuleDefaults(session.py, { ...MODULE_DEFAULT_CASES.find((c) => c.name === 'BatchNorm2d(5) train')!, make: () => new nn.BatchNorm2d(5, { eps: 1e-3 }) }, tf.getBackend());
    expect(defaultsProblems(eps).join('\n')).toMatch(/eps=0.001.*eps=1e-05/);
    expect(eps.rows.some((r) => !r.pass)).toBe(true);
    const smoothing = await checkLossDefaults(session.py, { ...LOSS_DEFAULT_CASES[0]!, make: () => new nn.CrossEntropyLoss({ labelSmoothing: 0.05 }) }, tf.getBackend());
    expect(defaultsProblems(smoothing).join('\n')).toMatch(/"label_smoothing":0.05.*"label_smoothing":0/);
    expect(smoothing.rows.some((r) => !r.pass)).toBe(true);
  });
});
