/**
 * Optimizer parity: both sides start from identical parameters and feed the same fixed gradient sequence for
 * 100 steps; every step's parameters and the final optimizer state are compared. Includes eps = 1e-3 (exposes
 * where eps sits). LR schedulers: the learning-rate sequence of StepLR, CosineAnnealingLR, LinearLR and chains.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Parameter } from '../../src/nn/parameter.js';
import { fromHost } from '../../src/nn/host.js';
import { Adam, AdamW, SGD, type Optimizer } from '../../src/train/optim/index.js';
import { CosineAnnealingLR, LinearLR, StepLR, type LRScheduler } from '../../src/train/lr-scheduler/index.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/parity/report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { compareTensor } from '../../src/parity/tolerance.js';
import { pick, reference } from '../../src/parity/reference.js';
import { PARITY_SEED, randn } from '../../src/parity/random.js';

export const OPTIMIZER_STEPS = 100;
const PARAM_SHAPES: Record<string, number[]> = { 'a.weight': [7, 5], 'b.bias': [5] };

export interface OptimCase {
  name: string;
  kind: 'SGD' | 'Adam' | 'AdamW';
  /** torch.optim keyword arguments. */
  torch: Record<string, unknown>;
  make(params: Parameter[]): Optimizer<{ lr: number }>;
}

export const OPTIM_CASES: OptimCase[] = [
  { name: 'SGD lr=0.05', kind: 'SGD', torch: { lr: 0.05 }, make: (p) => new SGD(p, { lr: 0.05 }) },
  { name: 'SGD momentum=0.9', kind: 'SGD', torch: { lr: 0.02, momentum: 0.9 }, make: (p) => new SGD(p, { lr: 0.02, momentum: 0.9 }) },
  {
    name: 'SGD momentum=0.8 dampening=0.3 weight_decay=0.01',
    kind: 'SGD',
    torch: { lr: 0.03, momentum: 0.8, dampening: 0.3, weight_decay: 0.01 },
    make: (p) => new SGD(p, { lr: 0.03, momentum: 0.8, dampening: 0.3, weightDecay: 0.01 }),
  },
  {
    name: 'SGD nesterov momentum=0.9 weight_decay=1e-3',
    kind: 'SGD',
    torch: { lr: 0.02, momentum: 0.9, nesterov: true, weight_decay: 1e-3 },
    make: (p) => new SGD(p, { lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
  },
  { name: 'Adam lr=1e-2', kind: 'Adam', torch: { lr: 1e-2 }, make: (p) => new Adam(p, { lr: 1e-2 }) },
  { name: 'Adam eps=1e-3', kind: 'Adam', torch: { lr: 1e-2, eps: 1e-3 }, make: (p) => new Adam(p, { lr: 1e-2, eps: 1e-3 }) },
  {
    name: 'Adam weight_decay=0.05 amsgrad',
    kind: 'Adam',
    torch: { lr: 5e-3, weight_decay: 0.05, amsgrad: true, betas: [0.85, 0.99] },
    make: (p) => new Adam(p, { lr: 5e-3, weightDecay: 0.05, amsgrad: true, betas: [0.85, 0.99] }),
  },
  { name: 'AdamW lr=1e-2', kind: 'AdamW', torch: { lr: 1e-2 }, make: (p) => new AdamW(p, { lr: 1e-2 }) },
  {
    name: 'AdamW eps=1e-3 amsgrad weight_decay=0.1',
    kind: 'AdamW',
    torch: { lr: 1e-2, eps: 1e-3, amsgrad: true, weight_decay: 0.1 },
    make: (p) => new AdamW(p, { lr: 1e-2, eps: 1e-3, amsgrad: true, weightDecay: 0.1 }),
  },
];

function stack(frames: Float32Array[], shape: number[]): HostTensor {
  const size = frames[0]!.length;
  const data = new Float32Array(frames.length * size);
  frames.forEach((f, i) => data.set(f, i * size));
  return { dtype: 'float32', shape: [frames.length, ...shape], data };
}

/**
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use
 */
export async function runOptimCase(py: PythonBridge, c: OptimCase, backend: string): Promise<ParityRow[]> {
  const names = Object.keys(PARAM_SHAPES).sort();
  const initial = new Map(names.map((n) => [n, randn(`optim/${n}/init`, PARAM_SHAPES[n]!)]));
  const grads = new Map(names.map((n) => [n, randn(`optim/${n}/grads`, [OPTIMIZER_STEPS, ...PARAM_SHAPES[n]!], 0.5)]));
  const sent: StateDict = new Map();
  for (const n of names) {
    sent.set(`param.${n}`, initial.get(n)!);
    sent.set(`grads.${n}`, grads.get(n)!);
  }
  const ref = await reference(py, 'optimizer_steps', { kind: c.kind, options: c.torch, steps: OPTIMIZER_STEPS }, sent);

  const params = names.map((n) => new Parameter(fromHost(initial.get(n)!)));
  const opt = c.make(params);
  const history = names.map(() => [] as Float32Array[]);
  try {
    for (let s = 0; s < OPTIMIZER_STEPS; s++) {
      params.forEach((p, i) => {
        p.zeroGrad();
        const g = grads.get(names[i]!)!;
        const size = g.data.length / OPTIMIZER_STEPS;
        p.grad = tf.tensor((g.data as Float32Array).subarray(s * size, (s + 1) * size), PARAM_SHAPES[names[i]!]);
      });
      opt.step();
      params.forEach((p, i) => history[i]!.push(p.variable.dataSync() as Float32Array));
    }
    const ctx = (tensor: string) => ({ subject: 'optim', name: `optim/${c.name}/${tensor}`, backend, seed: PARITY_SEED });
    const rows: ParityRow[] = [];
    names.forEach((n, i) => {
      const key = `trajectory.${n}`;
      rows.push(compareTensor(ctx(`${n} (every step)`), stack(history[i]!, PARAM_SHAPES[n]!).data, pick(ref.g, key), pick(ref.p, key)));
    });
    const state = opt.stateDict().state;
    names.forEach((n, i) => {
      for (const [buffer, value] of Object.entries(state[i]?.tensors ?? {})) {
        const key = `state.${n}.${buffer}`;
        rows.push(compareTensor(ctx(`state ${n}.${buffer}`), value.data, pick(ref.g, key), pick(ref.p, key)));
      }
    });
    const expected = [...ref.g.keys()].filter((k) => k.startsWith('state.')).length;
    const compared = rows.length - names.length;
    if (compared !== expected) throw new Error(`optim/${c.name}: PyTorch has ${expected} state tensors, ours ${compared}`);
    return rows;
  } finally {
    opt.disposeState();
    params.forEach((p) => p.dispose());
  }
}

export interface SchedulerCase {
  name: string;
  lr: number;
  steps: number;
  torch: Array<{ kind: string; kwargs: Record<string, unknown> }>;
  make(opt: Optimizer<{ lr: number }>): LRScheduler[];
}

export const SCHEDULER_CASES: SchedulerCase[] = [
  {
    name: 'StepLR step_size=3 gamma=0.5',
    lr: 0.1,
    steps: 12,
    torch: [{ kind: 'StepLR', kwargs: { step_size: 3, gamma: 0.5 } }],
    make: (o) => [new StepLR(o, { stepSize: 3, gamma: 0.5 })],
  },
  {
    name: 'CosineAnnealingLR T_max=10 eta_min=1e-3',
    lr: 0.1,
    steps: 25,
    torch: [{ kind: 'CosineAnnealingLR', kwargs: { T_max: 10, eta_min: 1e-3 } }],
    make: (o) => [new CosineAnnealingLR(o, { tMax: 10, etaMin: 1e-3 })],
  },
  {
    name: 'LinearLR start_factor=0.25 total_iters=6',
    lr: 0.05,
    steps: 10,
    torch: [{ kind: 'LinearLR', kwargs: { start_factor: 0.25, end_factor: 1.0, total_iters: 6 } }],
    make: (o) => [new LinearLR(o, { startFactor: 0.25, endFactor: 1, totalIters: 6 })],
  },
  {
    name: 'LinearLR warm-up chained with CosineAnnealingLR',
    lr: 0.1,
    steps: 15,
    torch: [
      { kind: 'LinearLR', kwargs: { start_factor: 0.1, total_iters: 4 } },
      { kind: 'CosineAnnealingLR', kwargs: { T_max: 12 } },
    ],
    make: (o) => [new LinearLR(o, { startFactor: 0.1, totalIters: 4 }), new CosineAnnealingLR(o, { tMax: 12 })],
  },
  {
    name: 'StepLR chained with LinearLR',
    lr: 0.2,
    steps: 9,
    torch: [
      { kind: 'StepLR', kwargs: { step_size: 2, gamma: 0.7 } },
      { kind: 'LinearLR', kwargs: { start_factor: 0.5, end_factor: 0.9, total_iters: 5 } },
    ],
    make: (o) => [new StepLR(o, { stepSize: 2, gamma: 0.7 }), new LinearLR(o, { startFactor: 0.5, endFactor: 0.9, totalIters: 5 })],
  },
];

/**
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use
 */
export async function runSchedulerCase(py: PythonBridge, c: SchedulerCase, backend: string): Promise<ParityRow[]> {
  const ref = await reference(py, 'scheduler_lrs', { lr: c.lr, steps: c.steps, schedulers: c.torch }, {});
  const p = new Parameter(tf.zeros([1]));
  const opt = new SGD([p], { lr: c.lr });
  try {
    const schedulers = c.make(opt);
    const lrs = [opt.paramGroups[0]!.options.lr];
    for (let s = 0; s < c.steps; s++) {
      opt.step();
      for (const sched of schedulers) sched.step();
      lrs.push(opt.paramGroups[0]!.options.lr);
    }
    const ctx = { subject: 'schedulers', name: `schedulers/${c.name}/lr`, backend, seed: PARITY_SEED };
    return [
      compareTensor(ctx, Float64Array.from(lrs), pick(ref.g, 'lr'), pick(ref.p, 'lr'), {
        c: 0.01,
        source: 'learning rates are float64 Python arithmetic on both sides: c = 0.01 (about 1e-9 relative)',
      }),
    ];
  } finally {
    p.dispose();
  }
}

