/**
 * Proof that the parity suites bite: each mutation (wrong semantics on the TS side) must make its parity check
 * fail, and the check must pass again once the mutation is removed. The localisation test names the mutated
 * module of a model.
 */
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/parity/report.js';
import { ReLU } from '../../src/nn/activation.js';
import { describeParity, recordLocalisation } from '../support/session.js';
import { LAYER_CASES, VISION_CASES, runLayerCase } from '../layers/cases.js';
import { LOSS_CASES, runLossCase } from '../losses/cases.js';
import { OPTIM_CASES, runOptimCase } from '../optim/cases.js';
import { zooCases } from '../models/zoo-cases.js';
import { localise } from '../models/localise.js';
import { MUTATIONS, flattenNhwc, mutateInstanceToLeakyRelu } from './mutations.js';
import { Flatten } from '../../src/nn/flatten.js';

type Check = (py: PythonBridge) => Promise<ParityRow[]>;

function check(caughtBy: string): Check {
  const [subject, name] = caughtBy.split(/:(.*)/s) as [string, string];
  const find = <T extends { name: string }>(cases: T[]): T => {
    const c = cases.find((x) => x.name === name);
    if (!c) throw new Error(`mutation check ${caughtBy}: no ${subject} case named "${name}"`);
    return c;
  };
  switch (subject) {
    case 'layers':
      return (py) => runLayerCase(py, find([...LAYER_CASES, ...VISION_CASES]), tf.getBackend());
    case 'losses':
      return (py) => runLossCase(py, find(LOSS_CASES), tf.getBackend());
    case 'optim':
      return (py) => runOptimCase(py, find(OPTIM_CASES), tf.getBackend());
    default:
      throw new Error(`mutation check ${caughtBy}: unknown subject ${subject}`);
  }
}

describeParity('mutations: each known wrong semantics makes the parity suite fail', (session) => {
  for (const m of MUTATIONS) {
    it(`${m.name} is caught by ${m.caughtBy}`, async () => {
      const run = check(m.caughtBy);
      const restore = m.apply();
      let mutated: ParityRow[];
      try {
        mutated = await run(session.py);
      } finally {
        restore();
      }
      const failed = mutated.filter((r) => !r.pass);
      expect(failed.length, `mutation "${m.name}" was not caught`).toBeGreaterThan(0);
      const clean = await run(session.py);
      expect(clean.filter((r) => !r.pass).map((r) => r.name)).toEqual([]);
    });
  }

  it('localisation names the mutated module (mlp: net.2 ReLU leaking below zero)', async () => {
    const c = zooCases().find((z) => z.name === 'mlp');
    if (!c) throw new Error('the zoo has no mlp');
    const { localisation } = await localise(session.py, c, tf.getBackend(), (model) => {
      const target = model.namedModules().find(([path]) => path === 'net.2')?.[1];
      if (!(target instanceof ReLU)) throw new Error('mlp net.2 is not a ReLU');
      mutateInstanceToLeakyRelu(target);
    });
    recordLocalisation({ ...localisation, model: 'mlp (mutation test: net.2 ReLU -> LeakyReLU(0.01))' });
    expect(localisation.firstDivergingModule).toBe('net.2');
    expect(localisation.checked.find((x) => x.module === 'net.1')?.pass).toBe(true);
  });

  it('localisation names the mutated module (cnn: classifier.0 Flatten in NHWC order)', async () => {
    const c = zooCases().find((z) => z.label === 'cnn (batchNorm, channels 4,6,8)');
    if (!c) throw new Error('the zoo has no cnn variant');
    const { localisation } = await localise(session.py, c, tf.getBackend(), (model) => {
      const target = model.namedModules().find(([path]) => path === 'classifier.0')?.[1];
      if (!(target instanceof Flatten)) throw new Error('cnn classifier.0 is not a Flatten');
      (target as unknown as { forward: (x: tf.Tensor) => tf.Tensor }).forward = flattenNhwc.bind(target);
    });
    recordLocalisation({ ...localisation, model: 'cnn (mutation test: classifier.0 Flatten in NHWC order)' });
    expect(localisation.firstDivergingModule).toBe('classifier.0');
    expect(localisation.checked.find((x) => x.module === 'features.11')?.pass).toBe(true);
  });
});
