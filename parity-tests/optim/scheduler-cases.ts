/**
 * LR scheduler parity: the learning rate of every parameter group (and the momentum / beta1 OneCycleLR cycles)
 * before the first step and after each scheduler step, against torch.optim.lr_scheduler stepped the same way.
 * Schedulers listed together in one case are chained (all stepped every epoch); SequentialLR cases nest them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Parameter } from '../../src/nn/parameter.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/bridge/parity-report.js';
import { compareTensor } from '../support/tolerance.js';
import { pick, reference } from '../support/reference.js';
import { PARITY_SEED } from '../support/random.js';
import { makeOptimizer, makeScheduler, type SchedulerSpec } from './torch-kwargs.js';

export interface SchedulerCase {
  name: string;
  /** One initial lr per parameter group. */
  lrs: number[];
  steps: number;
  schedulers: SchedulerSpec[];
  /** The optimizer (default SGD with no options): torch's class name and kwargs. */
  optimizer?: { kind: string; options: Record<string, unknown> };
}

const cosine = (T_max: number, extra: Record<string, unknown> = {}): SchedulerSpec => ({ kind: 'CosineAnnealingLR', kwargs: { T_max, ...extra } });

export const SCHEDULER_CASES: SchedulerCase[] = [
  // built with only their required arguments (the defaults check's outputs)
  { name: 'StepLR(step_size=3) defaults', lrs: [0.1], steps: 10, schedulers: [{ kind: 'StepLR', kwargs: { step_size: 3 } }] },
  { name: 'MultiStepLR(milestones=[2, 5]) defaults', lrs: [0.1], steps: 8, schedulers: [{ kind: 'MultiStepLR', kwargs: { milestones: [2, 5] } }] },
  { name: 'ExponentialLR(gamma=0.9)', lrs: [0.1], steps: 10, schedulers: [{ kind: 'ExponentialLR', kwargs: { gamma: 0.9 } }] },
  { name: 'CosineAnnealingLR(T_max=5) defaults', lrs: [0.1], steps: 12, schedulers: [cosine(5)] },
  { name: 'LinearLR() defaults', lrs: [0.1], steps: 8, schedulers: [{ kind: 'LinearLR', kwargs: {} }] },
  { name: 'OneCycleLR(max_lr=0.1, total_steps=10) defaults (SGD momentum cycled)', lrs: [0.1], steps: 10, schedulers: [{ kind: 'OneCycleLR', kwargs: { max_lr: 0.1, total_steps: 10 } }] },
  // options
  { name: 'StepLR step_size=3 gamma=0.5', lrs: [0.1], steps: 12, schedulers: [{ kind: 'StepLR', kwargs: { step_size: 3, gamma: 0.5 } }] },
  { name: 'MultiStepLR milestones=[2, 5, 5, 8] gamma=0.5, two groups', lrs: [0.1, 0.03], steps: 12, schedulers: [{ kind: 'MultiStepLR', kwargs: { milestones: [2, 5, 5, 8], gamma: 0.5 } }] },
  { name: 'CosineAnnealingLR T_max=10 eta_min=1e-3', lrs: [0.1], steps: 25, schedulers: [cosine(10, { eta_min: 1e-3 })] },
  { name: 'LinearLR start_factor=0.25 total_iters=6', lrs: [0.05], steps: 10, schedulers: [{ kind: 'LinearLR', kwargs: { start_factor: 0.25, end_factor: 1.0, total_iters: 6 } }] },
  { name: 'LambdaLR pow(0.95)', lrs: [0.1], steps: 10, schedulers: [{ kind: 'LambdaLR', kwargs: { lr_lambda: { type: 'pow', base: 0.95 } } }] },
  {
    name: 'LambdaLR one function per group (pow, warmup)',
    lrs: [0.1, 0.02],
    steps: 8,
    schedulers: [{ kind: 'LambdaLR', kwargs: { lr_lambda: [{ type: 'pow', base: 0.9 }, { type: 'warmup', steps: 4 }] } }],
  },
  {
    name: 'LinearLR warm-up chained with CosineAnnealingLR',
    lrs: [0.1],
    steps: 15,
    schedulers: [{ kind: 'LinearLR', kwargs: { start_factor: 0.1, total_iters: 4 } }, cosine(12)],
  },
  {
    name: 'StepLR chained with LinearLR',
    lrs: [0.2],
    steps: 9,
    schedulers: [{ kind: 'StepLR', kwargs: { step_size: 2, gamma: 0.7 } }, { kind: 'LinearLR', kwargs: { start_factor: 0.5, end_factor: 0.9, total_iters: 5 } }],
  },
  {
    name: 'ExponentialLR chained with MultiStepLR, two groups',
    lrs: [0.1, 0.5],
    steps: 10,
    schedulers: [{ kind: 'ExponentialLR', kwargs: { gamma: 0.95 } }, { kind: 'MultiStepLR', kwargs: { milestones: [3, 6], gamma: 0.5 } }],
  },
  {
    name: 'SequentialLR LinearLR warm-up then CosineAnnealingLR',
    lrs: [0.1, 0.01],
    steps: 14,
    schedulers: [{ kind: 'SequentialLR', kwargs: { schedulers: [{ kind: 'LinearLR', kwargs: { start_factor: 0.1, total_iters: 3 } }, cosine(8)], milestones: [3] } }],
  },
  {
    name: 'SequentialLR ExponentialLR, StepLR, MultiStepLR',
    lrs: [0.1],
    steps: 14,
    schedulers: [
      {
        kind: 'SequentialLR',
        kwargs: {
          schedulers: [
            { kind: 'ExponentialLR', kwargs: { gamma: 0.9 } },
            { kind: 'StepLR', kwargs: { step_size: 2, gamma: 0.5 } },
            { kind: 'MultiStepLR', kwargs: { milestones: [9, 11], gamma: 0.3 } },
          ],
          milestones: [3, 7],
        },
      },
    ],
  },
  {
    name: 'SequentialLR LambdaLR then ExponentialLR (no closed form at the milestone... LambdaLR first)',
    lrs: [0.05],
    steps: 9,
    schedulers: [{ kind: 'SequentialLR', kwargs: { schedulers: [{ kind: 'LambdaLR', kwargs: { lr_lambda: { type: 'warmup', steps: 3 } } }, { kind: 'ExponentialLR', kwargs: { gamma: 0.8 } }], milestones: [3] } }],
  },
  {
    name: "OneCycleLR anneal_strategy='linear' three_phase pct_start=0.25, SGD momentum",
    lrs: [0.1],
    steps: 20,
    optimizer: { kind: 'SGD', options: { momentum: 0.9 } },
    schedulers: [{ kind: 'OneCycleLR', kwargs: { max_lr: 0.2, total_steps: 20, anneal_strategy: 'linear', three_phase: true, pct_start: 0.25 } }],
  },
  {
    name: 'OneCycleLR on Adam (beta1 cycled), per-group max_lr, epochs x steps_per_epoch, div factors',
    lrs: [0.1, 0.1],
    steps: 12,
    optimizer: { kind: 'Adam', options: {} },
    schedulers: [{ kind: 'OneCycleLR', kwargs: { max_lr: [0.01, 0.004], epochs: 3, steps_per_epoch: 4, div_factor: 10, final_div_factor: 100, base_momentum: 0.8, max_momentum: 0.9 } }],
  },
  {
    name: 'OneCycleLR cycle_momentum=False on Adagrad',
    lrs: [0.1],
    steps: 15,
    optimizer: { kind: 'Adagrad', options: {} },
    schedulers: [{ kind: 'OneCycleLR', kwargs: { max_lr: 0.3, total_steps: 15, cycle_momentum: false, pct_start: 0.4 } }],
  },
];

function momentumOf(group: Record<string, unknown>): number {
  if (Array.isArray(group['betas'])) return (group['betas'] as number[])[0]!;
  return typeof group['momentum'] === 'number' ? group['momentum'] : 0;
}

/**
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use
 */
export async function runSchedulerCase(py: PythonBridge, c: SchedulerCase, backend: string): Promise<ParityRow[]> {
  const ref = await reference(py, 'scheduler_lrs', { lrs: c.lrs, steps: c.steps, schedulers: c.schedulers, optimizer: c.optimizer }, {});
  const params = new Map(c.lrs.map((_, i) => [`p${i}`, new Parameter(tf.zeros([1]))]));
  const o = c.optimizer ?? { kind: 'SGD', options: {} };
  const groups = c.lrs.map((lr, i) => ({ names: [`p${i}`], options: { lr } }));
  const opt = makeOptimizer(o.kind, params, o.options, groups);
  try {
    const schedulers = c.schedulers.map((s) => makeScheduler(opt, s));
    const read = () => opt.paramGroups.map((g) => [g.lr, momentumOf(g as unknown as Record<string, unknown>)] as const);
    const rowsOf = [read()];
    for (let s = 0; s < c.steps; s++) {
      opt.step();
      for (const sched of schedulers) sched.step();
      rowsOf.push(read());
    }
    const rows: ParityRow[] = [];
    c.lrs.forEach((_, gi) => {
      for (const [k, what] of [[0, 'lr'], [1, 'momentum']] as const) {
        const ctx = { subject: 'schedulers', name: `schedulers/${c.name}/${what} group ${gi}`, backend, seed: PARITY_SEED };
        rows.push(
          compareTensor(ctx, Float64Array.from(rowsOf.map((r) => r[gi]![k])), pick(ref.g, `${what}.${gi}`), pick(ref.p, `${what}.${gi}`), {
            c: 0.01,
            source: 'learning rates are float64 Python arithmetic on both sides: c = 0.01 (about 1e-9 relative)',
          }),
        );
      }
    });
    return rows;
  } finally {
    opt.disposeState();
    params.forEach((p) => p.dispose());
  }
}
