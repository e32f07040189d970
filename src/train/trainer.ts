/**
 * The training loop: seeded shuffling each epoch, PyTorch-style steps (zero_grad, backward, step), per-epoch
 * validation, one metrics row per epoch, and hooks for reporters, checkpoints and early stopping.
 * `tf.memory().numTensors` stays flat across steps and epochs.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { ArrayDataset } from '../data/dataset.js';
import { epochBatches, numBatches } from '../data/loader.js';
import type { BatchProvider } from '../data/stream.js';
import type { Normalization } from '../util/model-card.js';
import { backward } from './backward.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { headLoss, type Head } from './head-loss.js';
import type { Optimizer } from './optim/optimizer.js';
import { evaluateTrainingModule, isTrainingModule, metricValues, type TrainingModule } from './training-module.js';

export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  val_loss: number;
  val_accuracy: number;
  lr: number;
  samples_per_sec: number;
  epoch_seconds: number;
  step: number;
  [extra: string]: number;
}

export interface BatchInfo {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  batchesPerEpoch: number;
  /** Global optimizer step count after this batch. */
  step: number;
  loss: number;
  samples: number;
  /** Samples of the batch the model classified correctly (before the step). */
  correct: number;
}

export interface TrainerPosition {
  /** Epoch to run next (1-based) and batch index to start from within it. */
  epoch: number;
  batch: number;
  step: number;
}

/** Hooks; returning 'stop' from onBatchEnd/onEpochEnd ends training after that point. */
export interface TrainerCallbacks {
  onTrainStart?(trainer: Trainer): void | Promise<void>;
  /** After backward, before optimizer.step() (gradient clipping); `step` is the step about to be taken. */
  onAfterBackward?(trainer: Trainer, step: number): void;
  onBatchEnd?(trainer: Trainer, info: BatchInfo): void | 'stop' | Promise<void | 'stop'>;
  /** May add fields to `metrics` before it is recorded. */
  onEpochEnd?(trainer: Trainer, metrics: EpochMetrics, validation: Evaluation): void | 'stop' | Promise<void | 'stop'>;
  onTrainEnd?(trainer: Trainer, history: EpochMetrics[]): void | Promise<void>;
}

export interface TrainerOptions {
  model: Module;
  head: Head;
  optimizer: Optimizer<{ lr: number }>;
  train: ArrayDataset;
  val: ArrayDataset;
  epochs: number;
  batchSize: number;
  /** Seed of the per-epoch shuffling. */
  seed: number;
  normalization?: Normalization;
  /**
   * Training batches from elsewhere (streamed from disk, class-balanced, augmented; already normalised).
   * Default: epochBatches over `train` with `normalization`. When set, `train` is only used for its labels.
   */
  batches?: BatchProvider;
  /** Class weights for CrossEntropyLoss (PyTorch semantics). */
  classWeights?: Float32Array;
  callbacks?: TrainerCallbacks[];
  /** Where to start (resume); default epoch 1, batch 0, step 0. */
  start?: TrainerPosition;
  /**
   * Computes the loss itself (see TrainingModule); default: the model when it implements `trainingStep`,
   * otherwise the head's loss. Its metrics are logged as train_<name> / val_<name>; val_accuracy is NaN.
   */
  trainingModule?: TrainingModule;
}

export class Trainer {
  readonly options: TrainerOptions;
  readonly history: EpochMetrics[] = [];
  position: TrainerPosition;
  private stopRequested: string | null = null;

  constructor(options: TrainerOptions) {
    if (!Number.isInteger(options.epochs) || options.epochs < 1) throw new Error(`epochs must be a positive integer, got ${options.epochs}`);
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new Error(`batch size must be a positive integer, got ${options.batchSize}`);
    this.options = options;
    this.position = options.start ?? { epoch: 1, batch: 0, step: 0 };
  }

  get model(): Module {
    return this.options.model;
  }

  /** Asks the loop to stop after the current batch (for example on Ctrl-C). */
  requestStop(reason: string): void {
    this.stopRequested = reason;
  }

  get stopReason(): string | null {
    return this.stopRequested;
  }

  get batchesPerEpoch(): number {
    return this.options.batches?.batchesPerEpoch ?? numBatches(this.options.train.y.length, this.options.batchSize);
  }

  async fit(): Promise<EpochMetrics[]> {
    const o = this.options;
    const loss = headLoss(o.head, o.classWeights);
    const custom = o.trainingModule ?? (isTrainingModule(o.model) ? o.model : null);
    const params = o.model.parameters();
    const callbacks = o.callbacks ?? [];
    for (const cb of callbacks) await cb.onTrainStart?.(this);
    o.model.train();
    for (let epoch = this.position.epoch; epoch <= o.epochs && !this.stopRequested; epoch++) {
      const started = performance.now();
      let lossSum = 0;
      let seen = 0;
      const metricSums: Record<string, number> = {};
      const startBatch = epoch === this.position.epoch ? this.position.batch : 0;
      let batchIndex = startBatch;
      const batches = o.batches
        ? o.batches.batches(epoch, startBatch)
        : epochBatches(o.train, epoch, { batchSize: o.batchSize, shuffle: true, seed: o.seed, normalization: o.normalization }, startBatch);
      for await (const batch of batches) {
        const x = tf.tensor(batch.x, batch.shape, 'float32');
        const y = tf.tensor1d(batch.y, 'int32');
        o.optimizer.zeroGrad();
        let correct = 0;
        const lossTensor = backward(() => {
          if (custom) {
            const r = custom.trainingStep({ x, y: y as tf.Tensor1D });
            for (const [k, v] of Object.entries(metricValues(r.metrics))) metricSums[k] = (metricSums[k] ?? 0) + v * batch.y.length;
            return r.loss;
          }
          const out = o.model.call(x);
          const predicted = loss.predict(out).dataSync();
          for (let i = 0; i < batch.y.length; i++) if (predicted[i] === batch.y[i]) correct++;
          return loss.loss(out, y);
        }, params);
        const value = lossTensor.dataSync()[0]!;
        lossTensor.dispose();
        x.dispose();
        y.dispose();
        const step = this.position.step + 1;
        if (!Number.isFinite(value)) {
          o.optimizer.zeroGrad();
          throw new Error(`training stopped: the loss became ${value} at step ${step} (epoch ${epoch}, batch ${batchIndex + 1} of ${this.batchesPerEpoch})`);
        }
        for (const cb of callbacks) cb.onAfterBackward?.(this, step);
        o.optimizer.step();
        o.optimizer.zeroGrad();
        lossSum += value * batch.y.length;
        seen += batch.y.length;
        batchIndex += 1;
        this.position = { epoch, batch: batchIndex, step };
        for (const cb of callbacks) {
          if ((await cb.onBatchEnd?.(this, { epoch, batch: batchIndex - 1, batchesPerEpoch: this.batchesPerEpoch, step, loss: value, samples: batch.y.length, correct })) === 'stop') {
            this.stopRequested ??= 'stopped by a callback';
          }
        }
        if (this.stopRequested) break;
      }
      if (this.stopRequested && batchIndex < this.batchesPerEpoch) break; // interrupted mid-epoch: no epoch row
      const seconds = (performance.now() - started) / 1000;
      let validation: Evaluation;
      const extra: Record<string, number> = {};
      if (custom) {
        o.model.eval();
        try {
          const v = evaluateTrainingModule(custom, o.val, { normalization: o.normalization });
          for (const [k, value] of Object.entries(v.metrics)) extra[`val_${k}`] = value;
          validation = v;
        } finally {
          o.model.train();
        }
        for (const [k, value] of Object.entries(metricSums)) extra[`train_${k}`] = value / Math.max(seen, 1);
      } else {
        validation = evaluate(o.model, o.val, loss, { normalization: o.normalization });
      }
      o.model.train();
      const metrics: EpochMetrics = {
        epoch,
        train_loss: lossSum / Math.max(seen, 1),
        val_loss: validation.loss,
        val_accuracy: validation.accuracy,
        lr: o.optimizer.paramGroups[0]!.lr,
        samples_per_sec: seen / seconds,
        epoch_seconds: seconds,
        step: this.position.step,
        ...extra,
      };
      this.position = { epoch: epoch + 1, batch: 0, step: this.position.step };
      for (const cb of callbacks) {
        if ((await cb.onEpochEnd?.(this, metrics, validation)) === 'stop') this.stopRequested ??= 'stopped by a callback';
      }
      this.history.push(metrics);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(this, this.history);
    return this.history;
  }
}
