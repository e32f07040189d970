/**
 * Mirrors torch.nn.functional.nll_loss and torch.nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean'):
 * loss_i = -weight[y_i]·input[i, y_i] (0 where y_i = ignore_index); 'mean' divides by the sum of weight[y_i] over
 * the samples that are not ignored.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModuleBuffer } from '../parameter.js';
import { Loss } from './loss-module.js';
import { checkReduction, weightTensor, type Reduction, type WeightInput } from './reduction.js';
import { classRows, indexTargets, pickWeights } from './class-targets.js';

/** Options of {@link nll_loss} and {@link NLLLoss}. */
export interface NLLLossOptions {
  /** A weight per class (length C); default none. */
  weight?: WeightInput | null;
  /** Targets equal to this count for nothing (default -100). */
  ignoreIndex?: number;
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/**
 * torch.nn.functional.nll_loss(input, target, weight=None, ignore_index=-100, reduction='mean').
 * @param input - log-probabilities [C], [N, C] or [N, C, d1, ...] (e.g. from log_softmax)
 * @param target - class indices [], [N] or [N, d1, ...]
 * @param options - weight, ignoreIndex, reduction
 */
export function nll_loss(input: tf.Tensor, target: tf.Tensor, options: NLLLossOptions = {}): tf.Tensor {
  const what = 'nll_loss';
  const reduction = checkReduction(options.reduction ?? 'mean', what);
  const ignoreIndex = options.ignoreIndex ?? -100;
  return tf.tidy(() => {
    const { rows, classes, sampleShape } = classRows(input, what);
    const classWeight = options.weight ? weightTensor(options.weight) : null;
    if (classWeight && classWeight.size !== classes) throw new Error(`${what}: weight has ${classWeight.size} entries but the input has ${classes} classes`);
    const targets = indexTargets(target, sampleShape, input.shape, what);
    const { oneHot, sampleWeight } = pickWeights(targets, classes, ignoreIndex, classWeight);
    const perSample = tf.neg(tf.mul(tf.sum(tf.mul(oneHot, rows), 1), sampleWeight));
    if (reduction === 'none') return tf.reshape(perSample, sampleShape);
    const total = tf.sum(perSample);
    return reduction === 'sum' ? total : tf.div(total, tf.sum(sampleWeight));
  });
}

/** torch.nn.NLLLoss: {@link nll_loss} as a module (`weight`, when given, is a buffer as in torch). */
export class NLLLoss extends Loss {
  /** The per-class weight buffer, or null. */
  weight: ModuleBuffer | null;
  /** Targets equal to this are ignored (default -100). */
  readonly ignoreIndex: number;

  /** @param options - weight, ignoreIndex (-100), reduction ('mean') */
  constructor(options: NLLLossOptions = {}) {
    super(checkReduction(options.reduction ?? 'mean', 'NLLLoss'));
    this.weight = options.weight ? new ModuleBuffer(weightTensor(options.weight)) : null;
    this.ignoreIndex = options.ignoreIndex ?? -100;
  }

  /**
   * The loss (see the class description).
   * @param input - log-probabilities [C], [N, C] or [N, C, d1, ...]
   * @param target - class indices
   */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return nll_loss(input, target, { weight: this.weight?.value ?? null, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}
