/** `twinml train`: data, backend, model, optimizer, the loop, the run directory, the export. */
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendChoice } from '../../backend/index.js';
import { manualSeed } from '../../nn/generator.js';
import { getZooModel } from '../../models/index.js';
import { SGD } from '../../train/optim/sgd.js';
import { Adam } from '../../train/optim/adam.js';
import type { Optimizer } from '../../train/optim/optimizer.js';
import { Trainer } from '../../train/trainer.js';
import { saveSafetensors } from '../../io/safetensors.js';
import type { Module } from '../../nn/module.js';
import type { TrainArgs } from '../commands/train.js';
import { prepareTrainingData, trainingBatches } from './data.js';
import { dataReportCallbacks, writeSkipped } from './data-report.js';
import type { BalanceMode } from '../../data/balance.js';
import type { Preprocessing } from '../../util/model-card.js';
import { plainProgress } from './progress.js';
import { createRunDir, metricsWriter, writeConfig } from './run-dir.js';
import { exportRun } from './export-run.js';

const require = createRequire(import.meta.url);
const TWINML_VERSION = (require('../../../package.json') as { version: string }).version;

export interface ResolvedTrainConfig {
  model: string;
  modelConfig: object;
  head: 'softmax' | 'sign';
  dataset: string;
  labels: string[];
  sampleShape: number[];
  normalization: { mean: number[]; std: number[] };
  /** The evaluation transform for the model card. */
  preprocessing?: Preprocessing;
  balance?: BalanceMode;
  /** Training samples per class (after the split). */
  classCounts?: number[];
  split: { valFraction: number; splitSeed: number; train: number; val: number };
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  weightDecay: number;
  epochs: number;
  batchSize: number;
  seed: number;
  backend: { requested: string; used: string };
  runDir: string;
  twinmlVersion: string;
  createdAt: string;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..+/, '').replace('T', '-');
}

export function makeOptimizer(config: Pick<ResolvedTrainConfig, 'optimizer' | 'lr' | 'momentum' | 'weightDecay'>, model: Module): Optimizer<{ lr: number }> {
  const params = model.parameters();
  return config.optimizer === 'sgd'
    ? new SGD(params, { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay })
    : new Adam(params, { lr: config.lr, weightDecay: config.weightDecay });
}

export async function runTraining(args: TrainArgs): Promise<void> {
  const zoo = getZooModel(args.model);
  const data = await prepareTrainingData(args);
  const backend = await useBackend(args.backend as BackendChoice);
  const defaults = zoo.trainingDefaults;
  const overrides: Record<string, unknown> = {};
  if (args.hidden) overrides.hidden = args.hidden;
  if (args.dropout !== undefined) overrides.dropout = args.dropout;
  const modelConfig = zoo.resolveConfig(overrides, { sampleShape: data.sampleShape, numClasses: data.classes.length });
  const runDir = createRunDir(args.out ?? join('runs', `${args.model}-${timestamp()}`));
  const config: ResolvedTrainConfig = {
    model: zoo.name,
    modelConfig,
    head: zoo.head,
    dataset: data.source,
    labels: data.classes,
    sampleShape: data.sampleShape,
    normalization: data.normalization,
    preprocessing: data.preprocessing,
    balance: args.balance,
    classCounts: data.classCounts,
    split: { valFraction: args.valFraction, splitSeed: args.splitSeed, train: data.train.y.length, val: data.val.y.length },
    optimizer: args.optimizer ?? defaults.optimizer,
    lr: args.lr ?? defaults.lr,
    momentum: args.momentum ?? defaults.momentum,
    weightDecay: args.weightDecay ?? defaults.weightDecay,
    epochs: args.epochs ?? defaults.epochs,
    batchSize: args.batchSize ?? defaults.batchSize,
    seed: args.seed,
    backend: { requested: args.backend, used: backend },
    runDir,
    twinmlVersion: TWINML_VERSION,
    createdAt: new Date().toISOString(),
  };
  writeConfig(runDir, config);
  console.log(
    `twinml train: ${zoo.name} on ${data.source} (${data.train.y.length} train / ${data.val.y.length} val, ${data.classes.length} classes), ` +
      `${config.optimizer} lr ${config.lr}, batch ${config.batchSize}, ${config.epochs} epochs, seed ${config.seed}, backend ${backend} -> ${runDir}`,
  );

  manualSeed(config.seed);
  const model = zoo.create(modelConfig);
  const optimizer = makeOptimizer(config, model);
  const { batches, classWeights } = trainingBatches(data, { balance: args.balance, batchSize: config.batchSize, seed: config.seed, ...(args.prefetch ? { prefetch: args.prefetch } : {}), skipBad: args.skipBad });
  const trainer = new Trainer({
    model,
    head: zoo.head,
    optimizer,
    train: data.train,
    val: data.val,
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed: config.seed,
    normalization: data.normalization,
    batches,
    ...(classWeights ? { classWeights } : {}),
    callbacks: [...dataReportCallbacks(runDir, data.classes), metricsWriter(runDir), plainProgress(config.epochs)],
  });
  const onSignal = () => trainer.requestStop('interrupted (SIGINT)');
  process.once('SIGINT', onSignal);
  try {
    await trainer.fit();
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  writeSkipped(runDir, data.loaded.skipped);
  saveSafetensors(join(runDir, 'model.safetensors'), model.stateDict(), { format: 'pt', model: zoo.name });
  if (trainer.stopReason) console.log(`twinml train: ${trainer.stopReason}; weights so far saved to ${join(runDir, 'model.safetensors')}`);
  if (args.export) await exportRun(runDir, model, config);
  const last = trainer.history[trainer.history.length - 1];
  if (last) {
    const balanced = last.val_balanced_accuracy === undefined ? '' : `, val_balanced_accuracy ${last.val_balanced_accuracy.toFixed(4)}, val_macro_f1 ${last.val_macro_f1!.toFixed(4)}`;
    console.log(`twinml train: done, val_accuracy ${last.val_accuracy.toFixed(4)}${balanced}; run directory ${runDir}`);
  }
  model.dispose();
  optimizer.disposeState();
  void tf;
}
