/**
 * The language-model training loop (nanoGPT's train.py, reduced): `maxIters` optimizer steps on random windows of
 * the training tokens, gradient clipping, and every `evalInterval` steps (and at the end) the mean loss on fixed
 * windows of both splits. python/twinml_ref/lm_training.py runs the same loop in PyTorch (same batches from the
 * same seed), which is how the TS run is checked against the original.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Rng } from '../../util/rng.js';
import { sampleBatch, type TokenSplit } from '../../data/text-batches.js';
import { languageModelStep } from './step.js';
import { evaluateLoss } from './evaluate.js';

/** Settings of {@link trainLanguageModel}. */
export interface LanguageModelTrainingOptions {
  /** Maps int32 [B, T] token ids to logits [B, T, V]. */
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  data: TokenSplit;
  blockSize: number;
  batchSize: number;
  /** Optimizer steps. */
  maxIters: number;
  /** Evaluate every this many steps (and after the last). */
  evalInterval: number;
  /** Windows per split in the periodic evaluations (the final one uses every window of the validation split). */
  evalWindows: number;
  /** clip_grad_norm_ max norm; null = no clipping. */
  clipGradNorm: number | null;
  /** Seeds the batch offsets (twinml Rng). */
  seed: number;
  /** Called after every step with the step number (1-based) and its loss. */
  onStep?: (step: number, loss: number) => void;
  /** Called after every evaluation. */
  onEval?: (row: LanguageModelEvaluation) => void;
}

/** One evaluation row (also one line of metrics.jsonl). */
export interface LanguageModelEvaluation {
  step: number;
  /** Mean loss of the last evalInterval training steps. */
  train_loss: number;
  /** Mean loss on fixed windows of the training split (eval mode). */
  train_eval_loss: number;
  val_loss: number;
  val_perplexity: number;
  /** Training tokens per second so far (batch x block x steps / time in steps, evaluations excluded). */
  tokens_per_second: number;
  /** true for the final evaluation (every validation window). */
  final: boolean;
}

/** What {@link trainLanguageModel} returns. */
export interface LanguageModelTrainingResult {
  history: LanguageModelEvaluation[];
  final: LanguageModelEvaluation;
  /** Seconds in training steps (evaluations excluded). */
  trainSeconds: number;
}

function checkOptions(o: LanguageModelTrainingOptions): void {
  for (const key of ['blockSize', 'batchSize', 'maxIters', 'evalInterval', 'evalWindows'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new Error(`trainLanguageModel: ${key} must be a positive integer, got ${o[key]}`);
  }
  if (o.clipGradNorm !== null && !(o.clipGradNorm > 0)) throw new Error(`trainLanguageModel: clipGradNorm must be > 0 or null, got ${o.clipGradNorm}`);
}

/**
 * Trains `model` in place and returns the evaluations.
 * @param o - model, optimizer, data and schedule
 */
export function trainLanguageModel(o: LanguageModelTrainingOptions): LanguageModelTrainingResult {
  checkOptions(o);
  const rng = new Rng(o.seed);
  const { model, optimizer, blockSize, batchSize } = o;
  const params = model.parameters();
  const history: LanguageModelEvaluation[] = [];
  let trainMs = 0;
  let lossSum = 0;
  let lossCount = 0;
  const evaluate = (step: number, final: boolean): LanguageModelEvaluation => {
    const windows = o.evalWindows;
    const evalOptions = { blockSize, batchSize, maxWindows: windows };
    const trainEval = evaluateLoss(model, o.data.train, evalOptions);
    const valLoss = evaluateLoss(model, o.data.val, final ? { ...evalOptions, maxWindows: Infinity } : evalOptions);
    const row: LanguageModelEvaluation = {
      step,
      train_loss: lossCount > 0 ? lossSum / lossCount : NaN,
      train_eval_loss: trainEval,
      val_loss: valLoss,
      val_perplexity: Math.exp(valLoss),
      tokens_per_second: (step * batchSize * blockSize) / (trainMs / 1000),
      final,
    };
    lossSum = 0;
    lossCount = 0;
    history.push(row);
    o.onEval?.(row);
    return row;
  };
  model.train();
  for (let step = 1; step <= o.maxIters; step++) {
    const batch = sampleBatch(o.data.train, batchSize, blockSize, rng);
    const started = performance.now();
    const x = tf.tensor2d(batch.x, [batchSize, blockSize], 'int32');
    const y = tf.tensor2d(batch.y, [batchSize, blockSize], 'int32');
    const value = languageModelStep(model, optimizer, x, y, { clipGradNorm: o.clipGradNorm, params });
    tf.dispose([x, y]);
    trainMs += performance.now() - started;
    if (!Number.isFinite(value)) throw new Error(`training diverged: the loss is ${value} at step ${step} (try a lower --lr or --clip-grad-norm)`);
    lossSum += value;
    lossCount++;
    o.onStep?.(step, value);
    if (step % o.evalInterval === 0 && step !== o.maxIters) evaluate(step, false);
  }
  const final = evaluate(o.maxIters, true);
  return { history, final, trainSeconds: trainMs / 1000 };
}
