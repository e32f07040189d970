/** One language-model training step, shared by `trainLanguageModel` and the gpt benchmarks. */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import type { Optimizer } from '../optim/optimizer.js';
import { clip_grad_norm_ } from '../../nn/utils/clip-grad.js';
import { backward } from '../backward.js';
import { languageModelLoss } from './loss.js';

/** What one step needs besides the batch. */
export interface LanguageModelStepOptions {
  /** `clip_grad_norm_`'s max_norm, or null for no clipping (default 1.0, nanoGPT's). */
  clipGradNorm?: number | null;
  /** The model's parameters (default `model.parameters()`; pass them in a loop to list them once). */
  params?: Parameter[];
}

/**
 * nanoGPT's training step: zero_grad, cross entropy over every position, backward, `clip_grad_norm_`, optimizer step.
 * @param model - maps token ids [B, T] to logits [B, T, vocab]
 * @param optimizer - steps the model's parameters
 * @param x - input token ids [B, T], int32
 * @param y - target token ids [B, T], int32
 * @param options - clipping and the parameter list
 * @returns the step's loss (read back to the host, as `loss.item()`)
 */
export function languageModelStep(model: Module, optimizer: Optimizer<{ lr: number }>, x: tf.Tensor, y: tf.Tensor, options: LanguageModelStepOptions = {}): number {
  const params = options.params ?? model.parameters();
  const clipGradNorm = options.clipGradNorm === undefined ? 1.0 : options.clipGradNorm;
  optimizer.zeroGrad();
  const loss = backward(() => languageModelLoss(model.call(x) as tf.Tensor, y), params);
  if (clipGradNorm !== null) clip_grad_norm_(params, clipGradNorm);
  optimizer.step();
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
}
