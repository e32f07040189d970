/**
 * Optimizer parity: both sides start from identical parameters and feed the same fixed gradient sequence for
 * 100 steps; every step's parameters and the final optimizer state are compared. Cases cover each optimizer's
 * defaults (built with no arguments on both sides), its main options (momentum, nesterov, centered, amsgrad,
 * weight_decay, maximize, lr_decay, ...), parameter groups with their own hyper-parameters, and parameters
 * whose .grad is missing on some steps (skipped, as PyTorch does). Includes eps = 1e-3 (exposes where eps sits).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Parameter } from '../../src/nn/parameter.js';
import { fromHost } from '../../src/nn/host.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/bridge/parity-report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { compareTensor } from '../support/tolerance.js';
import { pick, reference } from '../support/reference.js';
import { PARITY_SEED, randn } from '../support/random.js';
import { makeOptimizer, type GroupSpec } from './torch-kwargs.js';

export const OPTIMIZER_STEPS = 100;
const PARAM_SHAPES: Record<string, number[]> = { 'a.weight': [7, 5], 'b.bias': [5], 'c.weight': [3, 4] };

export interface OptimCase {
  name: string;
  /** torch's class name. */
  kind: 'SGD' | 'Adam' | 'AdamW' | 'Adadelta' | 'RMSprop' | 'Adagrad';
  /** torch.optim keyword arguments (the defaults of every group). */
  torch: Record<string, unknown>;
  /** Parameter groups (parameters left out of every group are not optimized). */
  groups?: GroupSpec[];
  /** Parameter 'b.bias' has no gradient on steps s with s % skipEvery === 0. */
  skipEvery?: number;
}

const GROUPS = (a: Record<string, unknown>, b: Record<string, unknown>): GroupSpec[] => [
  { names: ['a.weight', 'c.weight'], options: a },
  { names: ['b.bias'], options: b },
];

export const OPTIM_CASES: OptimCase[] = [
  // SGD
  { name: 'SGD defaults', kind: 'SGD', torch: {} },
  { name: 'SGD lr=0.05', kind: 'SGD', torch: { lr: 0.05 } },
  { name: 'SGD momentum=0.9', kind: 'SGD', torch: { lr: 0.02, momentum: 0.9 } },
  { name: 'SGD momentum=0.8 dampening=0.3 weight_decay=0.01', kind: 'SGD', torch: { lr: 0.03, momentum: 0.8, dampening: 0.3, weight_decay: 0.01 } },
  { name: 'SGD nesterov momentum=0.9 weight_decay=1e-3', kind: 'SGD', torch: { lr: 0.02, momentum: 0.9, nesterov: true, weight_decay: 1e-3 } },
  { name: 'SGD maximize momentum=0.5, b.bias without grad every 3rd step', kind: 'SGD', torch: { lr: 0.01, momentum: 0.5, maximize: true }, skipEvery: 3 },
  { name: 'SGD parameter groups (lr, momentum, nesterov per group)', kind: 'SGD', torch: { lr: 0.01, momentum: 0.9 }, groups: GROUPS({ lr: 0.05, nesterov: true }, { momentum: 0.3, weight_decay: 0.1 }) },
  // Adam / AdamW
  { name: 'Adam defaults', kind: 'Adam', torch: {} },
  { name: 'Adam lr=1e-2', kind: 'Adam', torch: { lr: 1e-2 } },
  { name: 'Adam eps=1e-3', kind: 'Adam', torch: { lr: 1e-2, eps: 1e-3 } },
  { name: 'Adam weight_decay=0.05 amsgrad', kind: 'Adam', torch: { lr: 5e-3, weight_decay: 0.05, amsgrad: true, betas: [0.85, 0.99] } },
  { name: 'Adam betas=(0.3, 0.9) maximize (lerp weight >= 0.5)', kind: 'Adam', torch: { lr: 1e-2, betas: [0.3, 0.9], maximize: true } },
  { name: 'Adam decoupled_weight_decay=0.1', kind: 'Adam', torch: { lr: 1e-2, weight_decay: 0.1, decoupled_weight_decay: true } },
  { name: 'Adam parameter groups, b.bias without grad every 4th step', kind: 'Adam', torch: { lr: 1e-2 }, groups: GROUPS({ betas: [0.8, 0.95], amsgrad: true }, { lr: 3e-2, weight_decay: 0.01 }), skipEvery: 4 },
  { name: 'AdamW defaults', kind: 'AdamW', torch: {} },
  { name: 'AdamW lr=1e-2', kind: 'AdamW', torch: { lr: 1e-2 } },
  { name: 'AdamW eps=1e-3 amsgrad weight_decay=0.1', kind: 'AdamW', torch: { lr: 1e-2, eps: 1e-3, amsgrad: true, weight_decay: 0.1 } },
  { name: 'AdamW parameter groups (weight_decay 0 for biases)', kind: 'AdamW', torch: { lr: 1e-2, weight_decay: 0.05 }, groups: GROUPS({}, { weight_decay: 0 }) },
  // Adadelta
  { name: 'Adadelta defaults', kind: 'Adadelta', torch: {} },
  { name: 'Adadelta lr=0.5 rho=0.8 eps=1e-4 weight_decay=0.01 maximize', kind: 'Adadelta', torch: { lr: 0.5, rho: 0.8, eps: 1e-4, weight_decay: 0.01, maximize: true } },
  { name: 'Adadelta parameter groups, b.bias without grad every 3rd step', kind: 'Adadelta', torch: { weight_decay: 0.05 }, groups: GROUPS({ lr: 2.0 }, { rho: 0.95, eps: 1e-5 }), skipEvery: 3 },
  // RMSprop
  { name: 'RMSprop defaults', kind: 'RMSprop', torch: {} },
  { name: 'RMSprop momentum=0.9', kind: 'RMSprop', torch: { lr: 1e-3, momentum: 0.9 } },
  { name: 'RMSprop centered', kind: 'RMSprop', torch: { lr: 1e-3, centered: true } },
  { name: 'RMSprop centered momentum=0.5 weight_decay=0.01 maximize alpha=0.3 eps=1e-3', kind: 'RMSprop', torch: { lr: 1e-3, centered: true, momentum: 0.5, weight_decay: 0.01, maximize: true, alpha: 0.3, eps: 1e-3 } },
  { name: 'RMSprop parameter groups', kind: 'RMSprop', torch: { lr: 2e-3 }, groups: GROUPS({ momentum: 0.5, centered: true }, { lr: 1e-3, alpha: 0.9 }) },
  // Adagrad
  { name: 'Adagrad defaults', kind: 'Adagrad', torch: {} },
  { name: 'Adagrad lr_decay=0.01 weight_decay=0.02 initial_accumulator_value=0.1 eps=1e-6', kind: 'Adagrad', torch: { lr: 0.05, lr_decay: 0.01, weight_decay: 0.02, initial_accumulator_value: 0.1, eps: 1e-6 } },
  { name: 'Adagrad maximize, b.bias without grad every 2nd step', kind: 'Adagrad', torch: { lr: 0.05, maximize: true }, skipEvery: 2 },
  { name: 'Adagrad parameter groups', kind: 'Adagrad', torch: { lr: 0.02 }, groups: GROUPS({ lr_decay: 0.05 }, { lr: 0.1, initial_accumulator_value: 0.5 }) },
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
  const size = (n: string) => PARAM_SHAPES[n]!.reduce((a, b) => a * b, 1);
  const skipped = (n: string, s: number) => c.skipEvery !== undefined && n === 'b.bias' && s % c.skipEvery === 0;
  for (const n of names) {
    // A step without a gradient is sent as an all-NaN frame (Python leaves .grad None there).
    for (let s = 0; s < OPTIMIZER_STEPS; s++) if (skipped(n, s)) (grads.get(n)!.data as Float32Array).fill(NaN, s * size(n), (s + 1) * size(n));
  }
  const sent: StateDict = new Map();
  for (const n of names) {
    sent.set(`param.${n}`, initial.get(n)!);
    sent.set(`grads.${n}`, grads.get(n)!);
  }
  const ref = await reference(py, 'optimizer_steps', { kind: c.kind, options: c.torch, steps: OPTIMIZER_STEPS, groups: c.groups }, sent);

  const params = new Map(names.map((n) => [n, new Parameter(fromHost(initial.get(n)!))]));
  const opt = makeOptimizer(c.kind, params, c.torch, c.groups);
  const history = names.map(() => [] as Float32Array[]);
  try {
    for (let s = 0; s < OPTIMIZER_STEPS; s++) {
      names.forEach((n) => {
        const p = params.get(n)!;
        p.zeroGrad();
        if (skipped(n, s)) return;
        const g = grads.get(n)!.data as Float32Array;
        p.grad = tf.tensor(g.subarray(s * size(n), (s + 1) * size(n)), PARAM_SHAPES[n]);
      });
      opt.step();
      names.forEach((n, i) => history[i]!.push(params.get(n)!.variable.dataSync() as Float32Array));
    }
    const ctx = (tensor: string) => ({ subject: 'optim', name: `optim/${c.name}/${tensor}`, backend, seed: PARITY_SEED });
    const rows: ParityRow[] = [];
    names.forEach((n, i) => {
      const key = `trajectory.${n}`;
      rows.push(compareTensor(ctx(`${n} (every step)`), stack(history[i]!, PARAM_SHAPES[n]!).data, pick(ref.g, key), pick(ref.p, key)));
    });
    const state = opt.stateDict().state;
    const order = opt.paramGroups.flatMap((g) => g.params);
    names.forEach((n) => {
      const entry = state[order.indexOf(params.get(n)!)];
      for (const [buffer, value] of Object.entries(entry?.tensors ?? {})) {
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
