/** Mirrors torch.nn.Softmax(dim) and LogSoftmax(dim) along any dimension (tfjs only does the last one). */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';

function alongDim(x: tf.Tensor, dim: number, module: string, op: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const d = dim < 0 ? dim + x.rank : dim;
  if (!Number.isInteger(d) || d < 0 || d >= x.rank) throw new Error(`${module}: dim ${dim} is out of range for an input of rank ${x.rank}`);
  if (d === x.rank - 1) return op(x);
  return tf.tidy(() => {
    const perm = [...Array(x.rank).keys()];
    perm[d] = x.rank - 1;
    perm[x.rank - 1] = d;
    return tf.transpose(op(tf.transpose(x, perm)), perm);
  });
}

export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return alongDim(x, this.dim, 'Softmax', (t) => tf.softmax(t));
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return alongDim(x, this.dim, 'LogSoftmax', (t) => tf.logSoftmax(t));
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
