/**
 * Defaults are part of the mirror: every nn module and loss is built with ONLY its required arguments on both
 * sides. Compared: the hyperparameters as PyTorch shows them (extra_repr(); for the losses, whose extra_repr is
 * empty, their public attributes reduction/ignore_index/label_smoothing/beta/delta), and the outputs (and
 * gradients, running statistics) on the same input and the same weights, under the parity policy.
 */
import * as nn from '../../src/nn/index.js';
import type { Module } from '../../src/nn/module.js';
import type { Loss } from '../../src/nn/loss/index.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/bridge/parity-report.js';
import type { HostTensor } from '../../src/util/host-tensor.js';
import { runLayerCase, type LayerCase, type TorchSpec } from '../layers/cases.js';
import { runLossCase, type LossCase } from '../losses/cases.js';
import { randint, randn } from '../support/random.js';

/** A module case: the layer case (built with required arguments only) and its torch spec (the same). */
export type ModuleDefaultsCase = LayerCase;

/** A loss built with no arguments, on inputs that exercise its defaults (ignore_index -100 targets, |d| around 1). */
export type LossDefaultsCase = LossCase;

export const MODULE_DEFAULT_CASES: ModuleDefaultsCase[] = [
  { name: 'Linear(7, 5)', make: () => new nn.Linear(7, 5), torch: { type: 'Linear', args: [7, 5] }, input: [3, 7], output: [3, 5] },
  { name: 'Conv2d(3, 6, 3)', make: () => new nn.Conv2d(3, 6, 3), torch: { type: 'Conv2d', args: [3, 6, 3] }, input: [2, 3, 9, 8], output: [2, 6, 7, 6] },
  { name: 'BatchNorm2d(5) train', make: () => new nn.BatchNorm2d(5), torch: { type: 'BatchNorm2d', args: [5] }, input: [4, 5, 6, 7], output: [4, 5, 6, 7], train: true, warmupSteps: 2 },
  { name: 'BatchNorm2d(5) eval', make: () => new nn.BatchNorm2d(5), torch: { type: 'BatchNorm2d', args: [5] }, input: [4, 5, 6, 7], output: [4, 5, 6, 7] },
  { name: 'MaxPool2d(2)', make: () => new nn.MaxPool2d(2), torch: { type: 'MaxPool2d', args: [2] }, input: [2, 3, 8, 6], output: [2, 3, 4, 3] },
  { name: 'AvgPool2d(2)', make: () => new nn.AvgPool2d(2), torch: { type: 'AvgPool2d', args: [2] }, input: [2, 3, 8, 6], output: [2, 3, 4, 3] },
  { name: 'AdaptiveAvgPool2d(3)', make: () => new nn.AdaptiveAvgPool2d(3), torch: { type: 'AdaptiveAvgPool2d', args: [3] }, input: [2, 3, 7, 8], output: [2, 3, 3, 3] },
  { name: 'Flatten()', make: () => new nn.Flatten(), torch: { type: 'Flatten' }, input: [3, 2, 5, 7], output: [3, 70] },
  { name: 'ReLU()', make: () => new nn.ReLU(), torch: { type: 'ReLU' }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'Sigmoid()', make: () => new nn.Sigmoid(), torch: { type: 'Sigmoid' }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'Tanh()', make: () => new nn.Tanh(), torch: { type: 'Tanh' }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'LeakyReLU()', make: () => new nn.LeakyReLU(), torch: { type: 'LeakyReLU' }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'GELU()', make: () => new nn.GELU(), torch: { type: 'GELU' }, input: [3, 5, 7], output: [3, 5, 7] },
  // dim is required in TypeScript (torch's implicit dim is deprecated): both sides get dim=1.
  { name: 'Softmax(dim=1)', make: () => new nn.Softmax(1), torch: { type: 'Softmax', kwargs: { dim: 1 } }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'LogSoftmax(dim=1)', make: () => new nn.LogSoftmax(1), torch: { type: 'LogSoftmax', kwargs: { dim: 1 } }, input: [3, 5, 7], output: [3, 5, 7] },
  // Dropout's p is not observable in eval; its extra_repr carries it.
  { name: 'Dropout() eval', make: () => new nn.Dropout(), torch: { type: 'Dropout' }, input: [4, 9], output: [4, 9] },
  { name: 'LayerNorm(7)', make: () => new nn.LayerNorm(7), torch: { type: 'LayerNorm', args: [7] }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'RMSNorm(7)', make: () => new nn.RMSNorm(7), torch: { type: 'RMSNorm', args: [7] }, input: [3, 5, 7], output: [3, 5, 7] },
  { name: 'Dropout2d() eval', make: () => new nn.Dropout2d(), torch: { type: 'Dropout2d' }, input: [2, 3, 5, 7], output: [2, 3, 5, 7] },
];

/** Class targets with two entries at torch's default ignore_index (-100). */
function targetsWithDefaultIgnore(label: string, n: number, classes: number): HostTensor {
  const t = randint(label, [n], classes);
  const data = t.data as BigInt64Array;
  data[1] = -100n;
  data[n - 2] = -100n;
  return t;
}

function probabilities(label: string, shape: number[]): HostTensor {
  const t = randn(label, shape);
  const data = t.data as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] = 1 / (1 + Math.exp(-data[i]!));
  return t;
}

export const LOSS_DEFAULT_CASES: LossDefaultsCase[] = [
  { name: 'CrossEntropyLoss()', kind: 'CrossEntropyLoss', make: () => new nn.CrossEntropyLoss(), input: randn('d/ce/x', [6, 7], 2), target: targetsWithDefaultIgnore('d/ce/y', 6, 7) },
  { name: 'NLLLoss()', kind: 'NLLLoss', make: () => new nn.NLLLoss(), input: randn('d/nll/x', [6, 7], 2), target: targetsWithDefaultIgnore('d/nll/y', 6, 7) },
  { name: 'MSELoss()', kind: 'MSELoss', make: () => new nn.MSELoss(), input: randn('d/mse/x', [3, 5, 7]), target: randn('d/mse/y', [3, 5, 7]) },
  { name: 'L1Loss()', kind: 'L1Loss', make: () => new nn.L1Loss(), input: randn('d/l1/x', [3, 5, 7]), target: randn('d/l1/y', [3, 5, 7]) },
  { name: 'SmoothL1Loss()', kind: 'SmoothL1Loss', make: () => new nn.SmoothL1Loss(), input: randn('d/sl1/x', [3, 5, 7]), target: randn('d/sl1/y', [3, 5, 7]) },
  { name: 'HuberLoss()', kind: 'HuberLoss', make: () => new nn.HuberLoss(), input: randn('d/hub/x', [3, 5, 7], 1.5), target: randn('d/hub/y', [3, 5, 7]) },
  { name: 'BCELoss()', kind: 'BCELoss', make: () => new nn.BCELoss(), input: probabilities('d/bce/x', [4, 6]), target: probabilities('d/bce/y', [4, 6]) },
  { name: 'BCEWithLogitsLoss()', kind: 'BCEWithLogitsLoss', make: () => new nn.BCEWithLogitsLoss(), input: randn('d/bcel/x', [4, 6], 2), target: probabilities('d/bcel/y', [4, 6]) },
];

/** Scalar attributes in torch's snake_case names (the losses' reduction, ignore_index, ...). */
export function scalarAttributes(module: Module): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(module)) {
    if (key === 'training' || !['string', 'number', 'boolean'].includes(typeof value)) continue;
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value as string | number | boolean;
  }
  return out;
}

/** What one defaults check found. */
export interface DefaultsResult {
  ours: { extraRepr: string; attributes?: Record<string, unknown> };
  torch: { extraRepr: string; attributes?: Record<string, unknown> };
  rows: ParityRow[];
}

async function torchHyperparameters(py: PythonBridge, spec: TorchSpec): Promise<{ extra_repr: string; attributes: Record<string, unknown> }> {
  const { result } = await py.call<{ extra_repr: string; attributes: Record<string, unknown> }>('module_hyperparameters', { spec }, new Map());
  return result;
}

/**
 * Builds the module with its required arguments on both sides and compares.
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use
 */
export async function checkModuleDefaults(py: PythonBridge, c: ModuleDefaultsCase, backend: string): Promise<DefaultsResult> {
  const module = c.make();
  const ours = { extraRepr: module.extraRepr() };
  module.dispose();
  const torch = await torchHyperparameters(py, c.torch);
  return { ours, torch: { extraRepr: torch.extra_repr }, rows: await runLayerCase(py, { ...c, name: `defaults/${c.name}` }, backend) };
}

/**
 * Builds the loss with no arguments on both sides and compares.
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use
 */
export async function checkLossDefaults(py: PythonBridge, c: LossDefaultsCase, backend: string): Promise<DefaultsResult> {
  const loss: Loss = c.make();
  const ours = { extraRepr: loss.extraRepr(), attributes: scalarAttributes(loss) };
  loss.dispose();
  const torch = await torchHyperparameters(py, { type: c.kind });
  return { ours, torch: { extraRepr: torch.extra_repr, attributes: torch.attributes }, rows: await runLossCase(py, { ...c, name: `defaults/${c.name}` }, backend) };
}

/** Everything that differs, one line each ([] when the defaults agree). */
export function defaultsProblems(r: DefaultsResult): string[] {
  const problems: string[] = [];
  if (r.ours.extraRepr !== r.torch.extraRepr) problems.push(`extra_repr: ours '${r.ours.extraRepr}', torch '${r.torch.extraRepr}'`);
  if (r.torch.attributes && JSON.stringify(r.ours.attributes) !== JSON.stringify(r.torch.attributes)) {
    problems.push(`attributes: ours ${JSON.stringify(r.ours.attributes)}, torch ${JSON.stringify(r.torch.attributes)}`);
  }
  for (const row of r.rows) if (!row.pass) problems.push(`${row.name}: ${row.failure}`);
  return problems;
}
