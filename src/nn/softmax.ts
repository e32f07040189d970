/** Mirrors torch.nn.Softmax(dim) and LogSoftmax(dim) along any dimension (tfjs only does the last one). */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { log_softmax, softmax } from './functional/activations.js';

/** torch.nn.Softmax(dim): see F.softmax. */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** torch.nn.LogSoftmax(dim): see F.log_softmax. */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return log_softmax(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
