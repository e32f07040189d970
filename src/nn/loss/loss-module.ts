/** The base of the loss modules (torch.nn.modules.loss._Loss): a Module with a `reduction`. */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module.js';
import type { Reduction } from './reduction.js';

/** A loss as a module: `loss.call(input, target)` returns the reduced loss (or per-element losses for 'none'). */
export abstract class Loss extends Module {
  /** @param reduction - 'mean', 'sum' or 'none' */
  constructor(readonly reduction: Reduction) {
    super();
  }

  abstract override forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor;
}
