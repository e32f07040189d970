/**
 * Everything around the training loop that makes a run watchable and resumable: the reporter (dashboard,
 * plain or JSON), checkpoints and resume, early stopping, ReduceLROnPlateau, gradient clipping, and the report
 * at the end, as a library (`twinml train` is a thin layer over it): create one session per run, pass
 * `callbacks()` and `checkpoints` to the Trainer, call `finish()` after `fit()`. Works for zoo and user models
 * alike (a model with its own `trainingStep` gets no confusion-matrix report).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { ArrayDataset } from '../data/dataset.js';
import { classHistogram } from '../data/dataset.js';
import type { Optimizer } from './optim/optimizer.js';
import type { Head } from './head-loss.js';
import { headLoss } from './head-loss.js';
import { evaluate } from './evaluate.js';
import type { EpochMetrics, Trainer, TrainerCallbacks, TrainerPosition } from './trainer.js';
import { createReporter, type TrainingReporter, type RunSummary, type StopReason } from './dashboard/index.js';
import { CheckpointManager, latestCheckpoint, BEST_DIR, readCheckpoint, type Stateful } from './checkpoint/index.js';
import { EarlyStopping } from './callbacks/early-stopping.js';
import { ReduceLROnPlateau } from './callbacks/reduce-lr-on-plateau.js';
import { clip_grad_norm_ } from '../nn/utils/index.js';
import { confusionMatrix } from './metrics/confusion-matrix.js';
import { perClassMetrics } from './metrics/classification.js';
import { writeReport } from './report/write-report.js';
import { MONITORS, type TrainingUxArgs } from './session-options.js';
import { createLrScheduler, stepsPerBatch } from './lr-scheduler/spec.js';
import type { LRScheduler } from './lr-scheduler/index.js';
import type { Normalization } from '../util/model-card.js';
import { isTrainingModule } from './training-module.js';

export interface SessionOptions {
  args: TrainingUxArgs;
  runDir: string;
  config: object;
  modelName: string;
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  head: Head;
  train: ArrayDataset;
  val: ArrayDataset;
  classes: string[];
  epochs: number;
  batchSize: number;
  /** Optimizer steps per epoch (a per-batch LR scheduler's cycle length). */
  stepsPerEpoch?: number;
  seed: number;
  normalization?: Normalization;
}

export class TrainingSession {
  readonly reporter: TrainingReporter;
  readonly checkpoints: CheckpointManager;
  private readonly earlyStopping?: EarlyStopping;
  private readonly plateau?: ReduceLROnPlateau;
  private readonly scheduler?: LRScheduler;
  private readonly startedAt = performance.now();
  private start: TrainerPosition = { epoch: 1, batch: 0, step: 0 };
  private restoredHistory: EpochMetrics[] = [];
  /** Sums over the current epoch's batches, kept in checkpoints so a resumed epoch reports exact metrics. */
  private epoch = { lossSum: 0, correct: 0, seen: 0 };
  private recent: Array<{ t: number; samples: number }> = [];
  private stopReason: StopReason | null = null;
  private stopMessage?: string;

  /** @param o - the run's pieces */
  constructor(private readonly o: SessionOptions) {
    const a = o.args;
    const mode = MONITORS[a.monitor] ?? 'min';
    if (a.earlyStoppingPatience !== undefined) {
      this.earlyStopping = new EarlyStopping({ monitor: a.monitor, mode, patience: a.earlyStoppingPatience, minDelta: a.earlyStoppingMinDelta, restoreBestWeights: true });
    }
    if (a.reduceLrPatience !== undefined) this.plateau = new ReduceLROnPlateau(o.optimizer, { mode, patience: a.reduceLrPatience, factor: a.reduceLrFactor });
    this.scheduler = createLrScheduler(a.lrScheduler, o.optimizer, { epochs: o.epochs, ...(o.stepsPerEpoch ? { stepsPerEpoch: o.stepsPerEpoch } : {}) });
    const stateful: Record<string, Stateful> = {};
    if (this.earlyStopping) stateful.earlyStopping = this.earlyStopping;
    if (this.plateau) stateful.reduceLrOnPlateau = this.plateau;
    stateful.epochProgress = {
      stateDict: () => ({ ...this.epoch }),
      loadStateDict: (state: { lossSum: number; correct: number; seen: number }) => {
        this.epoch = { ...state };
      },
    };
    this.checkpoints = new CheckpointManager({
      runDir: o.runDir,
      model: o.model,
      optimizer: o.optimizer,
      dataSeed: o.seed,
      checkpointEvery: a.checkpointEvery,
      keepLast: a.keepLast,
      bestMetric: { name: a.monitor, mode },
      stateful,
      ...(this.scheduler ? { scheduler: this.scheduler } : {}),
    });
    this.reporter = createReporter({ logFormat: a.logFormat, onStopRequested: () => this.requestStop('user', 'stopped from the dashboard') });
  }

  private trainer?: Trainer;

  private requestStop(reason: StopReason, message: string): void {
    this.stopReason ??= reason;
    this.stopMessage ??= message;
    this.trainer?.requestStop(message);
  }

  /**
   * Asks the loop to stop after the current batch (SIGINT); a checkpoint is written at the stop. A second
   * signal exits at once (the last checkpoint on disk stays whole).
   */
  interrupt(signal: string): void {
    if (this.stopReason === 'user') {
      this.reporter.close();
      process.stderr.write(`twinml: ${signal} again: exiting without a final checkpoint\n`);
      process.exit(130);
    }
    this.requestStop('user', `interrupted (${signal})`);
  }

  /**
   * Loads the latest checkpoint of the run directory (resume). Call before creating the Trainer.
   * @returns the position to pass as the Trainer's `start`
   */
  resume(): { position: TrainerPosition; history: EpochMetrics[] } {
    const latest = latestCheckpoint(this.o.runDir);
    if (!latest) throw new Error(`--resume ${this.o.runDir}: no checkpoint in ${join(this.o.runDir, 'checkpoints')} (checkpoints are written at epoch ends, every --checkpoint-every steps and on Ctrl-C)`);
    const { position, history } = this.checkpoints.restore(latest.dir);
    if (this.earlyStopping?.options.restoreBestWeights && existsSync(join(this.o.runDir, BEST_DIR))) {
      const state = this.earlyStopping.stateDict();
      this.earlyStopping.loadStateDict(state, readCheckpoint(join(this.o.runDir, BEST_DIR)).model);
    }
    this.start = position;
    this.restoredHistory = history;
    return { position, history };
  }

  get startPosition(): TrainerPosition {
    return this.start;
  }

  /**
   * The callbacks for the Trainer, in order: clipping, reporting, early stopping / plateau. Put other epoch-row
   * writers after these (they add train_accuracy) and `checkpoints` last (it saves the callbacks' state).
   */
  callbacks(): TrainerCallbacks[] {
    const o = this.o;
    const a = o.args;
    const list: TrainerCallbacks[] = [];
    list.push({
      onTrainStart: (trainer) => {
        this.trainer = trainer;
        trainer.history.push(...this.restoredHistory);
        this.reporter.onStart({
          runName: basename(o.runDir),
          runDir: o.runDir,
          model: o.modelName,
          epochs: o.epochs,
          batchesPerEpoch: trainer.batchesPerEpoch,
          batchSize: o.batchSize,
          trainSamples: o.train.y.length,
          valSamples: o.val.y.length,
          classes: o.classes,
          classHistogram: classHistogram(o.train),
          startEpoch: this.start.epoch,
          startBatch: this.start.batch,
          startStep: this.start.step,
        });
      },
    });
    if (a.clipGradNorm !== undefined) {
      const maxNorm = a.clipGradNorm;
      list.push({ onAfterBackward: () => void clip_grad_norm_(o.model.parameters(), maxNorm) });
    }
    list.push({
      onBatchEnd: async (trainer, info) => {
        const t = performance.now();
        this.recent.push({ t, samples: info.samples });
        if (this.recent.length > 20) this.recent.shift();
        const span = (t - (this.recent.length > 1 ? this.recent[0]!.t : this.startedAt)) / 1000;
        const samples = this.recent.slice(this.recent.length > 1 ? 1 : 0).reduce((s, r) => s + r.samples, 0);
        this.epoch.lossSum += info.loss * info.samples;
        this.epoch.correct += info.correct;
        this.epoch.seen += info.samples;
        this.reporter.onBatch({
          epoch: info.epoch,
          batch: info.batch,
          step: info.step,
          loss: info.loss,
          accuracy: info.correct / info.samples,
          lr: o.optimizer.paramGroups[0]!.lr,
          samplesPerSecond: span > 0 ? samples / span : 0,
          rssBytes: process.memoryUsage().rss,
          numTensors: tf.memory().numTensors,
        });
        // Let signals, key presses and redraw timers run: the loop itself never waits on I/O.
        await new Promise<void>((resolve) => setImmediate(resolve));
        void trainer;
      },
      onEpochEnd: (_trainer, metrics) => {
        // Over the whole epoch, also when it was resumed part-way (the loop's own sums start at the resume).
        if (this.epoch.seen > 0) {
          metrics.train_loss = this.epoch.lossSum / this.epoch.seen;
          metrics.train_accuracy = this.epoch.correct / this.epoch.seen;
        }
        this.epoch = { lossSum: 0, correct: 0, seen: 0 };
        this.reporter.onEpoch({
          epoch: metrics.epoch,
          step: metrics.step,
          trainLoss: metrics.train_loss,
          trainAccuracy: metrics.train_accuracy,
          valLoss: metrics.val_loss,
          valAccuracy: metrics.val_accuracy,
          lr: metrics.lr,
          seconds: metrics.epoch_seconds,
        });
      },
    });
    if (this.scheduler) {
      const scheduler = this.scheduler;
      list.push(stepsPerBatch(scheduler) ? { onBatchEnd: () => scheduler.step() } : { onEpochEnd: () => scheduler.step() });
    }
    if (this.plateau || this.earlyStopping) {
      list.push({
        onEpochEnd: (_trainer, metrics) => {
          const value = metrics[a.monitor];
          if (value === undefined) throw new Error(`--monitor ${a.monitor}: not in the epoch metrics (${Object.keys(metrics).join(', ')})`);
          this.plateau?.step(value);
          if (this.earlyStopping?.update(metrics, metrics.epoch, o.model)) {
            const best = this.earlyStopping.best;
            this.stopReason ??= 'early-stopping';
            this.stopMessage ??= `early stopping at epoch ${metrics.epoch}: ${a.monitor} did not improve for ${a.earlyStoppingPatience} epoch(s); restored the weights of epoch ${best.epoch} (${a.monitor} ${best.value.toFixed(4)})`;
            return 'stop';
          }
          return undefined;
        },
      });
    }
    return list;
  }

  /** Reports a failed run (e.g. a non-finite loss) and releases the terminal. @param error - what went wrong */
  fail(error: Error): void {
    const nonFinite = /loss became/.test(error.message);
    this.reporter.onEnd({
      stopReason: nonFinite ? 'non-finite-loss' : 'error',
      message: error.message,
      epochsCompleted: this.trainer?.history.length ?? 0,
      steps: this.trainer?.position.step ?? 0,
      seconds: (performance.now() - this.startedAt) / 1000,
    });
  }

  /** After fit(): a checkpoint when the run was stopped mid-way (so --resume continues), then the report. */
  finish(trainer: Trainer, outputs: Record<string, string>): RunSummary {
    const o = this.o;
    const completed = trainer.position.epoch > o.epochs;
    if (!completed && this.stopReason !== 'early-stopping') {
      const dir = this.checkpoints.save(trainer);
      outputs.checkpoint = dir;
    }
    const summary: RunSummary = {
      stopReason: this.stopReason ?? (completed ? 'completed' : 'user'),
      ...(this.stopMessage ? { message: this.stopMessage } : trainer.stopReason ? { message: trainer.stopReason } : {}),
      epochsCompleted: trainer.history.length,
      steps: trainer.position.step,
      seconds: (performance.now() - this.startedAt) / 1000,
      outputs,
    };
    if (this.earlyStopping) summary.best = { metric: o.args.monitor, value: this.earlyStopping.best.value, epoch: this.earlyStopping.best.epoch };
    if (o.args.report && isTrainingModule(o.model)) {
      this.reporter.log('twinml train: no HTML report for a model with its own trainingStep (it needs class predictions); metrics.jsonl has every epoch');
    } else if (o.args.report) {
      const ev = evaluate(o.model, o.val, headLoss(o.head), { normalization: o.normalization });
      const cm = confusionMatrix(ev.labels, ev.predictions, o.classes.length);
      const written = writeReport(o.runDir, {
        runName: basename(o.runDir),
        createdAt: new Date().toISOString(),
        config: o.config,
        history: trainer.history,
        classes: o.classes,
        confusion: cm,
        perClass: perClassMetrics(cm),
        summary,
        outputs,
      });
      outputs.report = written.report;
      outputs.curves = written.curves;
    }
    this.reporter.onEnd(summary);
    return summary;
  }
}

/** The saved train options of a run, for `--resume`. @param runDir - the run directory */
export function savedOptions(runDir: string): Record<string, unknown> {
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) throw new Error(`--resume ${runDir}: ${path} does not exist (is this a run directory?)`);
  const config = JSON.parse(readFileSync(path, 'utf8')) as { options?: Record<string, unknown> };
  if (!config.options) throw new Error(`--resume ${runDir}: ${path} has no 'options' (written by an older twinml?)`);
  return config.options;
}
