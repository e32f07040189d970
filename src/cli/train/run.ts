/** `twinml train`: data, backend, model, optimizer, the loop, the run directory, the export. */
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendChoice } from '../../backend/index.js';
import { manualSeed } from '../../nn/generator.js';
import { resolveModelEntry } from './user-model.js';
import { createOptimizer, optimizerDefaults, type OptimizerName } from '../../train/optim/create-optimizer.js';
import type { Optimizer } from '../../train/optim/optimizer.js';
import { Trainer } from '../../train/trainer.js';
import { saveSafetensors } from '../../io/safetensors.js';
import type { Module } from '../../nn/module.js';
import type { TrainArgs } from '../commands/train.js';
import { prepareTrainingData, trainingBatches } from './data.js';
import { dataReportCallbacks, writeSkipped } from './data-report.js';
import type { BalanceMode } from '../../data/balance.js';
import type { Preprocessing } from '../../util/model-card.js';
import { savedOptions, TrainingSession } from './session.js';
import { createRunDir, metricsWriter, writeConfig } from './run-dir.js';
import { exportRun } from './export-run.js';

const require = createRequire(import.meta.url);
const TWINML_VERSION = (require('../../../package.json') as { version: string }).version;

export interface ResolvedTrainConfig {
  /** The train command's options as resolved (defaults < --config file < flags); `--resume` reuses them. */
  options: Record<string, unknown>;
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
  optimizer: OptimizerName;
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

/**
 * The run's optimizer by name (createOptimizer): lr and weight decay for every optimizer, momentum for those
 * that have one (sgd, rmsprop); a momentum given to another optimizer is an error.
 */
export function makeOptimizer(config: Pick<ResolvedTrainConfig, 'optimizer' | 'lr' | 'momentum' | 'weightDecay'>, model: Module): Optimizer<{ lr: number }> {
  const hasMomentum = 'momentum' in optimizerDefaults(config.optimizer);
  if (!hasMomentum && config.momentum !== 0) {
    throw new Error(`--momentum ${config.momentum}: ${config.optimizer} has no momentum (optimizers with one: sgd, rmsprop)`);
  }
  const options = { lr: config.lr, weightDecay: config.weightDecay, ...(hasMomentum ? { momentum: config.momentum } : {}) };
  return createOptimizer(config.optimizer, model.parameters(), options);
}

/** The options saved in config.json: everything but how this invocation talks (config path, resume, printing). */
function optionsToSave(args: TrainArgs): Record<string, unknown> {
  const skip = new Set(['_', '$0', 'config', 'resume', 'printConfig', 'logFormat']);
  return Object.fromEntries(Object.entries(args).filter(([k, v]) => !skip.has(k) && !k.includes('-') && v !== undefined));
}

export async function runTraining(cliArgs: TrainArgs): Promise<void> {
  const resuming = cliArgs.resume !== undefined;
  const args: TrainArgs = resuming
    ? ({ ...(savedOptions(cliArgs.resume!) as unknown as TrainArgs), out: cliArgs.resume, resume: cliArgs.resume, logFormat: cliArgs.logFormat, printConfig: cliArgs.printConfig })
    : cliArgs;
  // In JSON mode (and with --print-config) stdout carries only JSON; messages for people go to stderr.
  // Once the session exists its reporter prints them (above the live dashboard on a terminal).
  let sayTo = (line: string) => (args.logFormat === 'json' || args.printConfig ? console.error(line) : console.log(line));
  const say = (line: string) => sayTo(line);
  const zoo = await resolveModelEntry(args.model, args.modelArgs);
  if (zoo.task === 'language-model') {
    const { runLanguageModelTraining } = await import('./lm-run.js');
    await runLanguageModelTraining(args, zoo);
    return;
  }
  const data = await prepareTrainingData(args, say);
  const backend = await useBackend(args.backend as BackendChoice, { device: args.device, threads: args.threads });
  const defaults = zoo.trainingDefaults;
  const overrides: Record<string, unknown> = {};
  if (args.hidden) overrides.hidden = args.hidden;
  if (args.dropout !== undefined) overrides.dropout = args.dropout;
  const modelConfig = zoo.resolveConfig(overrides, { sampleShape: data.sampleShape, numClasses: data.classes.length });
  const runDir = args.out ?? join('runs', `${args.model}-${timestamp()}`);
  const config: ResolvedTrainConfig = {
    options: optionsToSave({ ...args, out: runDir }),
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
  if (args.printConfig) {
    console.log(JSON.stringify(config, null, 2));
    return;
  }
  createRunDir(runDir);
  if (!resuming) writeConfig(runDir, config);
  say(
    `twinml train: ${zoo.name} on ${data.source} (${data.train.y.length} train / ${data.val.y.length} val, ${data.classes.length} classes), ` +
      `${config.optimizer} lr ${config.lr}, batch ${config.batchSize}, ${config.epochs} epochs, seed ${config.seed}, backend ${backend} -> ${runDir}`,
  );

  manualSeed(config.seed);
  const model = zoo.create(modelConfig);
  const optimizer = makeOptimizer(config, model);
  const { batches, classWeights } = trainingBatches(data, { balance: args.balance, batchSize: config.batchSize, seed: config.seed, ...(args.prefetch ? { prefetch: args.prefetch } : {}), skipBad: args.skipBad });
  const session = new TrainingSession({
    args, runDir, config, modelName: zoo.name, model, optimizer, head: zoo.head, train: data.train, val: data.val,
    classes: data.classes, epochs: config.epochs, batchSize: config.batchSize, stepsPerEpoch: batches.batchesPerEpoch, seed: config.seed, normalization: data.normalization,
  });
  sayTo = (line) => session.reporter.log(line);
  const resumed = resuming ? session.resume() : undefined;
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
    // Data metrics first: they add val_balanced_accuracy / val_macro_f1 before reporters, metrics.jsonl and best/ see the row.
    callbacks: [...dataReportCallbacks(runDir, data.classes, say), ...session.callbacks(), metricsWriter(runDir, resumed?.history), session.checkpoints],
    ...(resumed ? { start: resumed.position } : {}),
  });
  const onSignal = () => session.interrupt('SIGINT');
  process.on('SIGINT', onSignal);
  try {
    await trainer.fit();
  } catch (e) {
    session.fail(e as Error);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  writeSkipped(runDir, data.loaded.skipped, say);
  const modelPath = join(runDir, 'model.safetensors');
  saveSafetensors(modelPath, model.stateDict(), { format: 'pt', model: zoo.name });
  if (args.export) await exportRun(runDir, model, config, say);
  const outputs: Record<string, string> = args.export ? { 'exported model': join(runDir, 'model.onnx'), weights: modelPath } : { weights: modelPath };
  session.finish(trainer, outputs);
  model.dispose();
  optimizer.disposeState();
  void tf;
}
