// Mirrors python/twinml_ref/models/adaline.py: Adaline
/**
 * Adaline: one linear unit, y = w·x + b, trained by least mean squares against targets ±1; the predicted
 * class is the sign of y. Input [N, ...] is flattened first.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/module.js';
import { Flatten } from '../../nn/flatten.js';
import { Linear } from '../../nn/linear.js';
import type { AdalineConfig } from './config.js';

export class Adaline extends Module {
  flatten: Flatten;
  linear: Linear;

  constructor(readonly config: AdalineConfig) {
    super();
    this.flatten = new Flatten();
    this.linear = new Linear(config.inFeatures, 1);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.linear.call(this.flatten.call(x));
  }
}
