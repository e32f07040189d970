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
import type { ParityRow } from '../../src/bridge/parity-report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { compareTensor } from '../support/tolerance.js';
import { pick, reference } from '../support/reference.js';
import { PARITY_SEED, randint, randn } from '../support/random.js';
import { gradsByKey } from '../support/module-runner.js';

export const TRAJECTORY_STEPS = 20;
export const BATCH = 6;

export interface ZooCase {
  name: string;
  entry: ZooModel<object>;
  config: object;
  sampleShape: number[];
  numClasses: number;
}

/** Every zoo model with the config it resolves to for 28x28 single-channel data (2 classes for sign heads). */
export function zooCases(): ZooCase[] {
  return modelNames().map((name) => {
    const entry = getZooModel(name);
    const data = { sampleShape: [1, 28, 28], numClasses: entry.head === 'sign' ? 2 : 10 };
    return { name, entry, config: entry.resolveConfig({}, data), ...data };
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
    const input = randn(`models/${c.name}/input`, [BATCH, ...c.sampleShape]);
    const target = randint(`models/${c.name}/target`, [BATCH], c.numClasses);
    sent.set('input', input);
    sent.set('target', target);
    const ref = await reference(py, 'model_step', { ...modelArgs(c), train: false }, sent);
    model.eval();
    const head = headLoss(c.entry.head);
    const x = fromHost(input);
    const y = fromHost(target);
    const logits = tf.tidy(() => model.call(x));
    const loss = backward(() => head.loss(model.call(x), y), model.parameters());
    const ctx = (tensor: string) => ({ subject: 'models', name: `models/${c.name}/${tensor}`, backend, seed: PARITY_SEED });
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
export async function runModelTrajectory(py: PythonBridge, c: ZooCase, backend: string): Promise<ParityRow[]> {
  const { model, sent } = buildModel(c);
  const inputs = randn(`models/${c.name}/batches`, [TRAJECTORY_STEPS, BATCH, ...c.sampleShape]);
  const targets = randint(`models/${c.name}/batch-targets`, [TRAJECTORY_STEPS, BATCH], c.numClasses);
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
    const ctx = (tensor: string) => ({ subject: 'models', name: `models/${c.name}/train ${TRAJECTORY_STEPS} steps/${tensor}`, backend, seed: PARITY_SEED });
    const rows = [compareTensor(ctx('loss (every step)'), losses, pick(ref.g, 'losses'), pick(ref.p, 'losses'))];
    for (const [key, value] of model.stateDict()) rows.push(compareTensor(ctx(key), value.data, pick(ref.g, `state.${key}`), pick(ref.p, `state.${key}`)));
    return rows;
  } finally {
    opt.disposeState();
    model.dispose();
  }
}

