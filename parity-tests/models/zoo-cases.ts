/**
 * Zoo-model parity: each model of src/models (and its PyTorch original in python/twinml_ref/models) gives the
 * same logits, loss and parameter gradients, and the same 20-step training trajectory on fixed batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getZooModel, modelNames } from '../../src/models/index.js';
import type { ZooModel } from '../../src/models/index.js';
import type { Module } from '../../src/nn/module.js';
import { manualSeed } from '../../src/nn/generator.js';
import { fromHost } from '../../src/nn/host.js';
import { backward } from '../../src/train/backward.js';
import { headLoss } from '../../src/train/head-loss.js';
import { Adam, SGD, type Optimizer } from '../../src/train/optim/index.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/parity/report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { DEFAULT_C, compareTensor, type ToleranceOptions } from '../../src/parity/tolerance.js';
import { pick, reference } from '../../src/parity/reference.js';
import { PARITY_SEED, randint, randn } from '../../src/parity/random.js';
import { gradsByKey } from '../support/module-runner.js';

export const TRAJECTORY_STEPS = 20;
export const BATCH = 6;

export interface ZooCase {
  /** Row label: the zoo name, plus the config variant when it is not the default. */
  label: string;
  /** Zoo name. */
  name: string;
  entry: ZooModel<object>;
  config: object;
  sampleShape: number[];
  numClasses: number;
  /** Backends on which the training checks are too slow for the 5-minute budget, with the reason. */
  slowOn: Partial<Record<string, string>>;
}

/** Config variants checked besides each model's defaults (a BatchNorm CNN trains through running stats). */
const VARIANTS: Record<string, Array<{ label: string; overrides: Record<string, unknown> }>> = {
  cnn: [{ label: 'batchNorm, channels 4,6,8', overrides: { batchNorm: true, channels: [4, 6, 8] } }],
};

/** Default configs whose gradient checks are too slow on a backend (the variants above cover that backend). */
const SLOW: Record<string, Partial<Record<string, string>>> = {
  cnn: { cpu: 'the cpu backend computes conv gradients in plain JS (minutes for 20 steps); cnn (batchNorm, channels 4,6,8) covers cpu' },
};

/**
 * Every classifier of the zoo (defaults and variants) with the config it resolves to for 28x28 single-channel data.
 * Language models (gpt) have their own suite, parity-tests/models/gpt/.
 */
export function zooCases(): ZooCase[] {
  return modelNames().filter((name) => getZooModel(name).task !== 'language-model').flatMap((name) => {
    const entry = getZooModel(name);
    const data = { sampleShape: [1, 28, 28], numClasses: entry.head === 'sign' ? 2 : 10 };
    const variants = [{ label: '', overrides: {} }, ...(VARIANTS[name] ?? [])];
    return variants.map((v) => ({
      label: v.label ? `${name} (${v.label})` : name,
      name,
      entry,
      config: entry.resolveConfig(v.overrides, data),
      ...data,
      slowOn: v.label ? {} : (SLOW[name] ?? {}),
    }));
  });
}

/** A fresh, seeded model and its state_dict as sent to Python (keys prefixed "state."). */
export function buildModel(c: ZooCase): { model: Module; sent: StateDict } {
  manualSeed(PARITY_SEED);
  const model = c.entry.create(c.config);
  const sent: StateDict = new Map();
  for (const [k, v] of model.stateDict()) sent.set(`state.${k}`, v);
  return { model, sent };
}

function modelArgs(c: ZooCase): Record<string, unknown> {
  return { name: c.name, config: c.config, head: c.entry.head };
}

/**
 * Logits, loss and every parameter gradient on one batch (eval mode).
 * @param py - the bridge
 * @param c - the zoo case
 * @param backend - the backend in use
 */
export async function runModelStep(py: PythonBridge, c: ZooCase, backend: string): Promise<ParityRow[]> {
  const { model, sent } = buildModel(c);
  try {
    const input = randn(`models/${c.label}/input`, [BATCH, ...c.sampleShape]);
    const target = randint(`models/${c.label}/target`, [BATCH], c.numClasses);
    sent.set('input', input);
    sent.set('target', target);
    const ref = await reference(py, 'model_step', { ...modelArgs(c), train: false }, sent);
    model.eval();
    const head = headLoss(c.entry.head);
    const x = fromHost(input);
    const y = fromHost(target);
    const logits = tf.tidy(() => model.call(x));
    const loss = backward(() => head.loss(model.call(x), y), model.parameters());
    const ctx = (tensor: string) => ({ subject: 'models', name: `models/${c.label}/${tensor}`, backend, seed: PARITY_SEED });
    const rows = [
      compareTensor(ctx('logits'), logits.dataSync(), pick(ref.g, 'logits'), pick(ref.p, 'logits')),
      compareTensor(ctx('loss'), loss.dataSync(), pick(ref.g, 'loss'), pick(ref.p, 'loss')),
    ];
    for (const [key, grad] of gradsByKey(model)) rows.push(compareTensor(ctx(key), grad.data, pick(ref.g, key), pick(ref.p, key)));
    tf.dispose([logits, loss, x, y]);
    return rows;
  } finally {
    model.dispose();
  }
}

function optimizerFor(c: ZooCase, model: Module): { opt: Optimizer<{ lr: number }>; torch: Record<string, unknown> } {
  const d = c.entry.trainingDefaults;
  if (d.optimizer === 'sgd') {
    return {
      opt: new SGD(model.parameters(), { lr: d.lr, momentum: d.momentum, weightDecay: d.weightDecay }),
      torch: { kind: 'SGD', options: { lr: d.lr, momentum: d.momentum, weight_decay: d.weightDecay } },
    };
  }
  return {
    opt: new Adam(model.parameters(), { lr: d.lr, weightDecay: d.weightDecay }),
    torch: { kind: 'Adam', options: { lr: d.lr, weight_decay: d.weightDecay } },
  };
}

function slice(t: HostTensor, i: number): HostTensor {
  const size = t.data.length / t.shape[0]!;
  return { dtype: t.dtype, shape: t.shape.slice(1), data: t.data.subarray(i * size, (i + 1) * size) } as HostTensor;
}

/**
 * A 20-step trajectory with the model's default optimizer: every step's loss and the final parameters.
 * @param py - the bridge
 * @param c - the zoo case
 * @param backend - the backend in use
 */
/**
 * The rows of a training trajectory: every step's loss and the final state_dict against PyTorch's, with the
 * trajectory slack c = 16 x steps (docs/architecture.md decision 19). Shared by the zoo and gpt model suites.
 * @param label - the case label (row names)
 * @param backend - the TS backend
 * @param losses - the loss after each of the TRAJECTORY_STEPS steps
 * @param state - the model's state_dict after the last step
 * @param ref - PyTorch's answer (`losses`, `state.<key>` in float64 and float32)
 */
export function trajectoryRows(label: string, backend: string, losses: Float32Array, state: StateDict, ref: Awaited<ReturnType<typeof reference>>): ParityRow[] {
  const ctx = (tensor: string) => ({ subject: 'models', name: `models/${label}/train ${TRAJECTORY_STEPS} steps/${tensor}`, backend, seed: PARITY_SEED });
  const tol: ToleranceOptions = {
    c: DEFAULT_C * TRAJECTORY_STEPS,
    source: `trajectory: rounding noise accumulates over ${TRAJECTORY_STEPS} optimizer steps, c = ${DEFAULT_C} x ${TRAJECTORY_STEPS} steps`,
  };
  const rows = [compareTensor(ctx('loss (every step)'), losses, pick(ref.g, 'losses'), pick(ref.p, 'losses'), tol)];
  for (const [key, value] of state) rows.push(compareTensor(ctx(key), value.data, pick(ref.g, `state.${key}`), pick(ref.p, `state.${key}`), tol));
  return rows;
}

export async function runModelTrajectory(py: PythonBridge, c: ZooCase, backend: string): Promise<ParityRow[]> {
  const { model, sent } = buildModel(c);
  const inputs = randn(`models/${c.label}/batches`, [TRAJECTORY_STEPS, BATCH, ...c.sampleShape]);
  const targets = randint(`models/${c.label}/batch-targets`, [TRAJECTORY_STEPS, BATCH], c.numClasses);
  sent.set('inputs', inputs);
  sent.set('targets', targets);
  const { opt, torch } = optimizerFor(c, model);
  try {
    const ref = await reference(py, 'model_train', { ...modelArgs(c), optimizer: torch }, sent);
    model.train();
    const head = headLoss(c.entry.head);
    const losses = new Float32Array(TRAJECTORY_STEPS);
    for (let s = 0; s < TRAJECTORY_STEPS; s++) {
      const x = fromHost(slice(inputs, s));
      const y = fromHost(slice(targets, s));
      opt.zeroGrad();
      const loss = backward(() => head.loss(model.call(x), y), model.parameters());
      opt.step();
      losses[s] = loss.dataSync()[0]!;
      tf.dispose([loss, x, y]);
    }
    return trajectoryRows(c.label, backend, losses, model.stateDict(), ref);
  } finally {
    opt.disposeState();
    model.dispose();
  }
}

