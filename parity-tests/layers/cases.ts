/**
 * Layer parity cases: each builds a twinml module and names its torch.nn twin; both run forward on random,
 * asymmetric, odd-sized inputs (batch > 1), backward with a random cotangent, and every output, input gradient,
 * parameter gradient and buffer is compared under the policy.
 */
import * as nn from '../../src/nn/index.js';
import type { Module } from '../../src/nn/module.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/parity/report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { Rng } from '../../src/util/rng.js';
import { compareTensor, type ToleranceOptions } from '../../src/parity/tolerance.js';
import { pick, reference } from '../../src/parity/reference.js';
import { PARITY_SEED, randn } from '../../src/parity/random.js';
import { runModule } from '../support/module-runner.js';

/** A torch.nn module spec for python/twinml_ref/reference/modules.py:build_module. */
export interface TorchSpec {
  type: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  children?: TorchSpec[];
}

export interface LayerCase {
  name: string;
  make(): Module;
  torch: TorchSpec;
  /** Input shape (PyTorch layout) and output shape. */
  input: number[];
  output: number[];
  train?: boolean;
  /** Forward passes before the compared one (BatchNorm running statistics). */
  warmupSteps?: number;
  /** Dropout in train mode: the mask comes from torch (seeded) and is injected on our side. */
  dropoutSeed?: number;
  /** Flat input positions set to special values (NaN, +-Inf) on both sides. */
  special?: Record<number, number>;
  tolerance?: ToleranceOptions;
}

export const LAYER_CASES: LayerCase[] = [
  { name: 'Linear(7,5)', make: () => new nn.Linear(7, 5), torch: { type: 'Linear', args: [7, 5] }, input: [3, 7], output: [3, 5] },
  {
    name: 'Linear(6,4,bias=False) rank3',
    make: () => new nn.Linear(6, 4, { bias: false }),
    torch: { type: 'Linear', args: [6, 4], kwargs: { bias: false } },
    input: [2, 3, 6],
    output: [2, 3, 4],
  },
  { name: 'ReLU', make: () => new nn.ReLU(), torch: { type: 'ReLU' }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'Sigmoid', make: () => new nn.Sigmoid(), torch: { type: 'Sigmoid' }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'Tanh', make: () => new nn.Tanh(), torch: { type: 'Tanh' }, input: [3, 5, 7], output: [3, 5, 7] },
  {
    name: 'Tanh with NaN and +-Inf inputs',
    make: () => new nn.Tanh(),
    torch: { type: 'Tanh' },
    input: [3, 7],
    output: [3, 7],
    special: { 1: NaN, 5: Infinity, 9: -Infinity, 20: NaN },
  },
  {
    name: 'Sigmoid with NaN and +-Inf inputs',
    make: () => new nn.Sigmoid(),
    torch: { type: 'Sigmoid' },
    input: [3, 7],
    output: [3, 7],
    special: { 0: -Infinity, 4: NaN, 13: Infinity },
  },
  { name: 'Flatten NCHW', make: () => new nn.Flatten(), torch: { type: 'Flatten' }, input: [3, 2, 5, 7], output: [3, 70] },
  {
    name: 'Flatten(start_dim=2)',
    make: () => new nn.Flatten(2),
    torch: { type: 'Flatten', args: [2] },
    input: [3, 2, 5, 7],
    output: [3, 2, 35],
  },
  { name: 'Dropout(0.3) eval', make: () => new nn.Dropout(0.3), torch: { type: 'Dropout', args: [0.3] }, input: [4, 9], output: [4, 9] },
  {
    name: 'Dropout(0.3) train, torch mask',
    make: () => new nn.Dropout(0.3),
    torch: { type: 'Dropout', args: [0.3] },
    input: [4, 9],
    output: [4, 9],
    train: true,
    dropoutSeed: 7,
  },
  {
    name: 'Sequential(Linear,Tanh,Linear)',
    make: () => new nn.Sequential(new nn.Linear(9, 6), new nn.Tanh(), new nn.Linear(6, 3)),
    torch: { type: 'Sequential', children: [{ type: 'Linear', args: [9, 6] }, { type: 'Tanh' }, { type: 'Linear', args: [6, 3] }] },
    input: [5, 9],
    output: [5, 3],
  },
];

/** A BatchNorm2d whose running statistics are not the defaults (so eval mode uses real statistics). */
function batchNormWithStats(features: number): nn.BatchNorm2d {
  const bn = new nn.BatchNorm2d(features);
  const rng = Rng.derive(PARITY_SEED, 'bn-stats');
  const state = bn.stateDict();
  const fill = (f: (i: number) => number) => Float32Array.from({ length: features }, (_, i) => f(i));
  state.set('running_mean', { dtype: 'float32', shape: [features], data: fill(() => rng.normal() * 0.5) });
  state.set('running_var', { dtype: 'float32', shape: [features], data: fill(() => 0.2 + rng.random() * 2) });
  state.set('weight', { dtype: 'float32', shape: [features], data: fill(() => 1 + rng.normal() * 0.3) });
  state.set('bias', { dtype: 'float32', shape: [features], data: fill(() => rng.normal() * 0.3) });
  bn.loadStateDict(state);
  return bn;
}

/** Conv2d, BatchNorm2d, pooling and the other vision modules (issue 4). */
export const VISION_CASES: LayerCase[] = [
  {
    name: 'Conv2d(3,5,3) stride 1 padding 0',
    make: () => new nn.Conv2d(3, 5, 3),
    torch: { type: 'Conv2d', args: [3, 5, 3] },
    input: [2, 3, 9, 7],
    output: [2, 5, 7, 5],
  },
  {
    name: 'Conv2d(3,4,3) stride 2 padding 1 on even sizes',
    make: () => new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1 }),
    torch: { type: 'Conv2d', args: [3, 4, 3], kwargs: { stride: 2, padding: 1 } },
    input: [2, 3, 10, 8],
    output: [2, 4, 5, 4],
  },
  {
    name: 'Conv2d(2,4,(3,2)) stride (2,1) padding 2 bias=False',
    make: () => new nn.Conv2d(2, 4, [3, 2], { stride: [2, 1], padding: 2, bias: false }),
    torch: { type: 'Conv2d', args: [2, 4, [3, 2]], kwargs: { stride: [2, 1], padding: 2, bias: false } },
    input: [3, 2, 8, 7],
    output: [3, 4, 5, 10],
  },
  {
    name: "Conv2d(3,6,4) padding='same' (even kernel)",
    make: () => new nn.Conv2d(3, 6, 4, { padding: 'same' }),
    torch: { type: 'Conv2d', args: [3, 6, 4], kwargs: { padding: 'same' } },
    input: [2, 3, 9, 7],
    output: [2, 6, 9, 7],
  },
  {
    name: "Conv2d(3,4,3) padding='same' dilation 2",
    make: () => new nn.Conv2d(3, 4, 3, { padding: 'same', dilation: 2 }),
    torch: { type: 'Conv2d', args: [3, 4, 3], kwargs: { padding: 'same', dilation: 2 } },
    input: [2, 3, 9, 7],
    output: [2, 4, 9, 7],
  },
  {
    name: 'Conv2d(4,6,3) groups 2 padding 1 dilation (2,1)',
    make: () => new nn.Conv2d(4, 6, 3, { groups: 2, padding: 1, dilation: [2, 1] }),
    torch: { type: 'Conv2d', args: [4, 6, 3], kwargs: { groups: 2, padding: 1, dilation: [2, 1] } },
    input: [2, 4, 7, 9],
    output: [2, 6, 5, 9],
  },
  {
    name: 'Conv2d(6,6,3) depthwise (groups 6)',
    make: () => new nn.Conv2d(6, 6, 3, { groups: 6 }),
    torch: { type: 'Conv2d', args: [6, 6, 3], kwargs: { groups: 6 } },
    input: [2, 6, 7, 5],
    output: [2, 6, 5, 3],
  },
  {
    name: 'BatchNorm2d(5) train, running stats after 4 steps',
    make: () => new nn.BatchNorm2d(5),
    torch: { type: 'BatchNorm2d', args: [5] },
    input: [4, 5, 7, 6],
    output: [4, 5, 7, 6],
    train: true,
    warmupSteps: 3,
  },
  {
    name: 'BatchNorm2d(5) eval with running stats',
    make: () => batchNormWithStats(5),
    torch: { type: 'BatchNorm2d', args: [5] },
    input: [3, 5, 7, 6],
    output: [3, 5, 7, 6],
  },
  {
    name: 'BatchNorm2d(3,momentum=None) train cumulative average',
    make: () => new nn.BatchNorm2d(3, { momentum: null }),
    torch: { type: 'BatchNorm2d', args: [3], kwargs: { momentum: null } },
    input: [3, 3, 5, 7],
    output: [3, 3, 5, 7],
    train: true,
    warmupSteps: 2,
  },
  { name: 'MaxPool2d(2) odd sizes', make: () => new nn.MaxPool2d(2), torch: { type: 'MaxPool2d', args: [2] }, input: [2, 3, 9, 7], output: [2, 3, 4, 3] },
  {
    name: 'MaxPool2d(3) stride 2 padding 1',
    make: () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
    torch: { type: 'MaxPool2d', args: [3], kwargs: { stride: 2, padding: 1 } },
    input: [2, 3, 10, 8],
    output: [2, 3, 5, 4],
  },
  {
    name: 'AvgPool2d(3) stride 2 padding 1',
    make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1 }),
    torch: { type: 'AvgPool2d', args: [3], kwargs: { stride: 2, padding: 1 } },
    input: [2, 3, 9, 7],
    output: [2, 3, 5, 4],
  },
  {
    name: 'AdaptiveAvgPool2d((3,2))',
    make: () => new nn.AdaptiveAvgPool2d([3, 2]),
    torch: { type: 'AdaptiveAvgPool2d', args: [[3, 2]] },
    input: [2, 3, 9, 7],
    output: [2, 3, 3, 2],
  },
  { name: 'LeakyReLU(0.2)', make: () => new nn.LeakyReLU(0.2), torch: { type: 'LeakyReLU', args: [0.2] }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'GELU', make: () => new nn.GELU(), torch: { type: 'GELU' }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: "GELU(approximate='tanh')", make: () => new nn.GELU('tanh'), torch: { type: 'GELU', kwargs: { approximate: 'tanh' } }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'Softmax(dim=1)', make: () => new nn.Softmax(1), torch: { type: 'Softmax', kwargs: { dim: 1 } }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'LogSoftmax(dim=-1)', make: () => new nn.LogSoftmax(-1), torch: { type: 'LogSoftmax', kwargs: { dim: -1 } }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'Dropout2d(0.4) eval', make: () => new nn.Dropout2d(0.4), torch: { type: 'Dropout2d', args: [0.4] }, input: [2, 3, 5, 7], output: [2, 3, 5, 7] },
];

/** Inputs (one per step) and the cotangent of a case. */
function caseTensors(c: LayerCase): { inputs: HostTensor[]; cotangent: HostTensor } {
  const steps = (c.warmupSteps ?? 0) + 1;
  const inputs = Array.from({ length: steps }, (_, i) => randn(`${c.name}/input.${i}`, c.input));
  for (const x of inputs) for (const [at, value] of Object.entries(c.special ?? {})) (x.data as Float32Array)[Number(at)] = value;
  return { inputs, cotangent: randn(`${c.name}/cotangent`, c.output) };
}

/**
 * Runs one case on both sides and returns a row per compared tensor.
 * @param py - the bridge
 * @param c - the case
 * @param backend - the tfjs backend in use (for the rows)
 */
export async function runLayerCase(py: PythonBridge, c: LayerCase, backend: string): Promise<ParityRow[]> {
  nn.manualSeed(PARITY_SEED);
  const module = c.make();
  try {
    const state = module.stateDict();
    const { inputs, cotangent } = caseTensors(c);
    const sent: StateDict = new Map();
    for (const [k, v] of state) sent.set(`state.${k}`, v);
    inputs.forEach((x, i) => sent.set(`input.${i}`, x));
    sent.set('cotangent', cotangent);
    const args: Record<string, unknown> = { spec: c.torch, train: c.train ?? false, steps: inputs.length };
    if (c.dropoutSeed !== undefined) args.dropoutSeed = c.dropoutSeed;
    const ref = await reference(py, 'layer_step', args, sent);
    if (c.dropoutSeed !== undefined && module instanceof nn.Dropout) {
      const mask = pick(ref.p, 'mask');
      module.maskSource = () => Float32Array.from(mask.data as Float32Array);
    }
    const ours = runModule(module, inputs, cotangent, c.train ?? false);
    const ctx = (tensor: string) => ({ subject: 'layers', name: `layers/${c.name}/${tensor}`, backend, seed: PARITY_SEED });
    const rows: ParityRow[] = [compareTensor(ctx('output'), ours.output.data, pick(ref.g, 'output'), pick(ref.p, 'output'), c.tolerance)];
    if (c.dropoutSeed !== undefined) {
      rows.push(compareTensor(ctx('mask float64 vs float32'), pick(ref.p, 'mask').data, pick(ref.g, 'mask'), pick(ref.p, 'mask')));
    }
    for (const [key, value] of ours.grads) rows.push(compareTensor(ctx(key), value.data, pick(ref.g, key), pick(ref.p, key), c.tolerance));
    const paramKeys = new Set(module.namedParameters().map(([k]) => k));
    for (const [key, value] of ours.state) {
      if (paramKeys.has(key)) continue;
      rows.push(compareTensor(ctx(`state.${key}`), value.data, pick(ref.g, `state.${key}`), pick(ref.p, `state.${key}`), c.tolerance));
    }
    return rows;
  } finally {
    module.dispose();
  }
}
