/**
 * Layer parity cases: each builds a twinml module and names its torch.nn twin; both run forward on random,
 * asymmetric, odd-sized inputs (batch > 1), backward with a random cotangent, and every output, input gradient,
 * parameter gradient and buffer is compared under the policy.
 */
import * as nn from '../../src/nn/index.js';
import type { Module } from '../../src/nn/module.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/bridge/parity-report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { compareTensor, type ToleranceOptions } from '../support/tolerance.js';
import { pick, reference } from '../support/reference.js';
import { PARITY_SEED, randn } from '../support/random.js';
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

/** Inputs (one per step) and the cotangent of a case. */
function caseTensors(c: LayerCase): { inputs: HostTensor[]; cotangent: HostTensor } {
  const steps = (c.warmupSteps ?? 0) + 1;
  const inputs = Array.from({ length: steps }, (_, i) => randn(`${c.name}/input.${i}`, c.input));
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
