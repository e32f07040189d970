// Mirrors python/twinml_ref/models/mlp.py: MLP
/**
 * MLP: Flatten, then (Linear, ReLU[, Dropout]) per hidden width, then Linear to the classes, in one
 * Sequential named `net` (state_dict keys net.1.weight, net.1.bias, ...).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/module.js';
import { Flatten } from '../../nn/flatten.js';
import { Linear } from '../../nn/linear.js';
import { ReLU } from '../../nn/activation.js';
import { Dropout } from '../../nn/dropout.js';
import { Sequential } from '../../nn/sequential.js';
import type { MLPConfig } from './config.js';

export class MLP extends Module {
  net: Sequential;

  constructor(readonly config: MLPConfig) {
    super();
    const layers: Module[] = [new Flatten()];
    let previous = config.inFeatures;
    for (const width of config.hidden) {
      layers.push(new Linear(previous, width), new ReLU());
      if (config.dropout > 0) layers.push(new Dropout(config.dropout));
      previous = width;
    }
    layers.push(new Linear(previous, config.numClasses));
    this.net = new Sequential(...layers);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.net.call(x);
  }
}
