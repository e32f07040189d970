/**
 * PyTorch's defaults are part of the mirror: every optimizer and scheduler built with only its required
 * arguments on both sides, comparing the hyper-parameters (torch's param_groups[0] / the scheduler's
 * attributes, snake_case <-> camelCase) exactly. The outputs of the same default-built objects are compared in
 * optim.test.ts (the "... defaults" cases: 100 optimizer steps, lr sequences).
 */
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Parameter } from '../../src/nn/parameter.js';
import { createOptimizer, OPTIMIZER_NAMES } from '../../src/train/optim/index.js';
import { OneCycleLR } from '../../src/train/lr-scheduler/index.js';
import { describeParity } from '../support/session.js';
import { camel, makeScheduler, snake, type SchedulerSpec } from './torch-kwargs.js';

const TORCH_CLASS: Record<string, string> = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', adadelta: 'Adadelta', rmsprop: 'RMSprop', adagrad: 'Adagrad' };

/** Scheduler specs with only their required arguments. */
const REQUIRED_ONLY: SchedulerSpec[] = [
  { kind: 'StepLR', kwargs: { step_size: 3 } },
  { kind: 'MultiStepLR', kwargs: { milestones: [2, 5] } },
  { kind: 'ExponentialLR', kwargs: { gamma: 0.9 } },
  { kind: 'CosineAnnealingLR', kwargs: { T_max: 5 } },
  { kind: 'LinearLR', kwargs: {} },
  { kind: 'LambdaLR', kwargs: { lr_lambda: { type: 'pow', base: 0.9 } } },
  { kind: 'SequentialLR', kwargs: { schedulers: [{ kind: 'LinearLR', kwargs: {} }, { kind: 'ExponentialLR', kwargs: { gamma: 0.9 } }], milestones: [2] } },
  { kind: 'OneCycleLR', kwargs: { max_lr: 0.1, total_steps: 10 } },
];

/** JSON-comparable: Infinity as torch's 'inf', tuples as lists. */
function plain(v: unknown): unknown {
  if (v === Infinity) return 'inf';
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

describeParity('defaults: optimizers and schedulers built with only their required arguments match PyTorch', (session) => {
  it('covers every optimizer the library names', () => {
    expect(Object.keys(TORCH_CLASS).sort()).toEqual([...OPTIMIZER_NAMES].sort());
  });

  for (const name of OPTIMIZER_NAMES) {
    it(`${TORCH_CLASS[name]}(params): param_groups[0] hyper-parameters`, async () => {
      const out = await session.py.call<{ float64: { group: Record<string, unknown> } }>('optimizer_defaults', { kind: TORCH_CLASS[name], dtypes: ['float64'] }, new Map());
      const torch = out.result.float64.group;
      const p = new Parameter(tf.zeros([2]));
      const opt = createOptimizer(name, [p]);
      const { params: _params, ...group } = opt.paramGroups[0] as unknown as Record<string, unknown>;
      const ours = Object.fromEntries(Object.entries(group).map(([k, v]) => [snake(k), plain(v)]));
      expect(ours).toEqual(torch);
      opt.disposeState();
      p.dispose();
    });
  }

  for (const spec of REQUIRED_ONLY) {
    it(`${spec.kind}(${Object.keys(spec.kwargs).join(', ')}): attributes`, async () => {
      const out = await session.py.call<{ float64: { attrs: Record<string, unknown> } }>('scheduler_defaults', { spec, dtypes: ['float64'] }, new Map());
      const torch = out.result.float64.attrs;
      const p = new Parameter(tf.zeros([1]));
      const opt = createOptimizer('sgd', [p], { lr: 0.1 });
      const sched = makeScheduler(opt, spec) as unknown as Record<string, unknown>;
      const ours: Record<string, unknown> = {};
      for (const key of Object.keys(torch)) {
        if (key.startsWith('group.') && sched instanceof OneCycleLR) {
          const bound = { initial_lr: 'initial', max_lr: 'max', min_lr: 'min', max_momentum: 'maxMomentum', base_momentum: 'baseMomentum' }[key.slice(6)] as 'initial';
          ours[key] = sched.bounds[0]![bound];
        } else if (key === 'phase_end_steps' && sched instanceof OneCycleLR) {
          ours[key] = sched.phases.map((ph) => ph.endStep);
        } else {
          ours[key] = plain(sched[camel(key)]);
        }
      }
      expect(ours).toEqual(torch);
      expect(Object.keys(torch).length, 'PyTorch reported no attributes to compare').toBeGreaterThan(spec.kind === 'LambdaLR' ? -1 : 0);
      p.dispose();
    });
  }
});
