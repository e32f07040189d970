// Mirrors python/twinml_ref/models/mlp.py: MLP
/**
 * MLP: Flatten, then (Linear, ReLU[, Dropout]) per hidden width, then Linear to the classes, in one
 * Sequential named `net` (state_dict keys net.1.weight, net.1.bias, ...). Training mode fuses each Linear + ReLU
 * pair (see `forward`).
 */
import * as tf from '@tensorflow/tfjs-core';
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

  /**
   * In training mode a Linear directly followed by a ReLU runs as one fused Linear + ReLU (one kernel on wasm);
   * in eval mode every submodule runs through `call()`, so forward hooks, the ONNX tracer and parity
   * localisation see each layer.
   */
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training) return this.net.call(x);
    return tf.tidy(() => {
      let out = x;
      const layers = this.net.children();
      for (let i = 0; i < layers.length; i++) {
        const m = layers[i]!;
        if (m instanceof Linear && layers[i + 1] instanceof ReLU) {
          out = m.forwardFused(out, 'relu');
          i++;
        } else {
          out = m.forward(out);
        }
      }
      return out === x ? tf.clone(x) : out;
    });
  }
}
