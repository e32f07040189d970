/**
 * The training contract for what a classifier head does not cover (the idea of Lightning's
 * `training_step` / `validation_step`): a module that implements `trainingStep` returns its own loss and the
 * metrics to log, so a VAE (reconstruction + KL, several outputs) trains through the same Trainer, CLI and
 * dashboard as a classifier.
 *
 * ```ts
 * class VAE extends Module implements TrainingModule {
 *   trainingStep({ x }: StepBatch): StepResult {
 *     const [recon, mu, logvar] = this.forwardAll(x);
 *     const bce = binaryCrossEntropySum(recon, x.reshape([-1, 784]));
 *     const kld = tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logvar), tf.add(tf.square(mu), tf.exp(logvar)))));
 *     return { loss: tf.div(tf.add(bce, kld), x.shape[0]), metrics: { bce, kld } };
 *   }
 * }
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ArrayDataset } from '../data/dataset.js';
import { epochBatches } from '../data/loader.js';
import type { Normalization } from '../util/model-card.js';
import type { Evaluation } from './evaluate.js';

/** One batch: inputs [N, ...] (normalised) and integer labels [N] (ignore them when unsupervised). */
export interface StepBatch {
  x: tf.Tensor;
  y: tf.Tensor1D;
}

/** What a step returns: the scalar loss to minimise (mean over the batch) and named scalar metrics to log. */
export interface StepResult {
  loss: tf.Scalar;
  metrics?: Record<string, tf.Tensor>;
}

/** A module (or a small object beside it) that computes its own loss. */
export interface TrainingModule {
  /** Loss (and metrics) of one training batch; runs inside the gradient tape. */
  trainingStep(batch: StepBatch): StepResult;
  /** Loss (and metrics) of one validation batch, in eval mode (default: trainingStep). */
  validationStep?(batch: StepBatch): StepResult;
}

/** True when `m` implements the training contract. */
export function isTrainingModule(m: unknown): m is TrainingModule {
  return typeof (m as Partial<TrainingModule> | null)?.trainingStep === 'function';
}

/** Reads a step's metrics as numbers (scalars; a tensor with more elements is averaged). */
export function metricValues(metrics: Record<string, tf.Tensor> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, t] of Object.entries(metrics ?? {})) out[name] = t.size === 1 ? t.dataSync()[0]! : tf.tidy(() => tf.mean(t).dataSync()[0]!);
  return out;
}

/** A validation pass of a TrainingModule: the sample-weighted mean loss and metrics (`val_<name>` rows). */
export interface ModuleEvaluation extends Evaluation {
  /** Mean of each metric over the samples. */
  metrics: Record<string, number>;
}

/**
 * Evaluates a TrainingModule in eval mode: validationStep (or trainingStep) per batch, weighted by batch size.
 * @param module - the training module (its model is put in eval mode by the caller)
 * @param ds - the validation data
 * @param options - batch size and normalisation
 */
export function evaluateTrainingModule(module: TrainingModule, ds: ArrayDataset, options: { batchSize?: number; normalization?: Normalization } = {}): ModuleEvaluation {
  let lossSum = 0;
  const sums: Record<string, number> = {};
  for (const batch of epochBatches(ds, 0, { batchSize: options.batchSize ?? 500, shuffle: false, seed: 0, normalization: options.normalization })) {
    const [loss, metrics] = tf.tidy(() => {
      const x = tf.tensor(batch.x, batch.shape, 'float32');
      const y = tf.tensor1d(batch.y, 'int32');
      const r = (module.validationStep ?? module.trainingStep).call(module, { x, y });
      return [r.loss.dataSync()[0]!, metricValues(r.metrics)] as const;
    });
    lossSum += loss * batch.y.length;
    for (const [k, v] of Object.entries(metrics)) sums[k] = (sums[k] ?? 0) + v * batch.y.length;
  }
  const n = Math.max(ds.y.length, 1);
  const metrics = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / n]));
  return { loss: lossSum / n, accuracy: NaN, predictions: new Int32Array(0), labels: ds.y, metrics };
}
