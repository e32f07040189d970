/** Mirrors torch.nn.Flatten(start_dim=1, end_dim=-1). Inputs are in PyTorch layout, so C,H,W order is kept. */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';

export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    const rank = x.rank;
    const start = this.startDim < 0 ? this.startDim + rank : this.startDim;
    const end = this.endDim < 0 ? this.endDim + rank : this.endDim;
    if (start < 0 || end >= rank || start > end) {
      throw new Error(`Flatten(start_dim=${this.startDim}, end_dim=${this.endDim}) does not fit an input of rank ${rank}`);
    }
    const merged = x.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
    return tf.reshape(x, [...x.shape.slice(0, start), merged, ...x.shape.slice(end + 1)]);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}
