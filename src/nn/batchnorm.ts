/**
 * Mirrors torch.nn.BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True).
 * Training: normalise with the batch's biased variance; update running_mean/running_var as
 * new = (1 - momentum) * old + momentum * batch, with the unbiased variance (momentum null: cumulative average
 * 1/num_batches_tracked). Eval: normalise with the running statistics. num_batches_tracked is int64 in state_dicts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { ModuleBuffer, Parameter } from './parameter.js';
import { assertNCHW, toNCHW, toNHWC } from './layout.js';
import { pyBool, pyFloat } from './python-repr.js';

export interface BatchNorm2dOptions {
  eps?: number;
  /** null: cumulative moving average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  running_mean: ModuleBuffer | null;
  running_var: ModuleBuffer | null;
  num_batches_tracked: ModuleBuffer | null;

  constructor(numFeatures: number, options: BatchNorm2dOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new Error(`BatchNorm2d: num_features must be a positive integer, got ${numFeatures}`);
    this.numFeatures = numFeatures;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(tf.ones([numFeatures])) : null;
    this.bias = this.affine ? new Parameter(tf.zeros([numFeatures])) : null;
    this.running_mean = this.trackRunningStats ? new ModuleBuffer(tf.zeros([numFeatures])) : null;
    this.running_var = this.trackRunningStats ? new ModuleBuffer(tf.ones([numFeatures])) : null;
    this.num_batches_tracked = this.trackRunningStats ? new ModuleBuffer(tf.scalar(0, 'int32'), { torchDtype: 'int64' }) : null;
  }

  /** Normalisation over N, H, W of an NHWC tensor (channels last), updating running stats in training. */
  forwardNHWC(x: tf.Tensor4D): tf.Tensor4D {
    if (x.shape[3] !== this.numFeatures) throw new Error(`BatchNorm2d: expected ${this.numFeatures} channels, got shape [${x.shape.join(', ')}]`);
    const useBatch = this.training || !this.trackRunningStats;
    return tf.tidy(() => {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (useBatch) {
        const count = x.shape[0] * x.shape[1] * x.shape[2];
        if (this.training && count <= 1) throw new Error(`BatchNorm2d: expected more than 1 value per channel when training, got input shape [${x.shape.join(', ')}]`);
        // Column means as a ones-vector GEMM (no strided reduction over the channel-last layout).
        const flat = tf.reshape(x, [count, this.numFeatures]) as tf.Tensor2D;
        const ones = tf.fill([1, count], 1 / count) as tf.Tensor2D;
        mean = tf.reshape(tf.matMul(ones, flat), [this.numFeatures]);
        const centered = tf.sub(flat, mean);
        variance = tf.reshape(tf.matMul(ones, tf.square(centered) as tf.Tensor2D), [this.numFeatures]);
        if (this.training && this.trackRunningStats) this.updateRunningStats(mean, variance, count);
      } else {
        mean = this.running_mean!.value;
        variance = this.running_var!.value;
      }
      let scale = tf.rsqrt(tf.add(variance, this.eps));
      if (this.weight) scale = tf.mul(scale, this.weight.variable);
      let shift = tf.neg(tf.mul(mean, scale));
      if (this.bias) shift = tf.add(shift, this.bias.variable);
      return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
    });
  }

  private updateRunningStats(mean: tf.Tensor, variance: tf.Tensor, count: number): void {
    const tracked = this.num_batches_tracked!;
    const batches = (tracked.value.dataSync()[0] ?? 0) + 1;
    tracked.set(tf.scalar(batches, 'int32'));
    const factor = this.momentum ?? 1 / batches;
    const m = mean;
    const v = tf.mul(variance, count / (count - 1));
    this.running_mean!.set(tf.add(tf.mul(this.running_mean!.value, 1 - factor), tf.mul(m, factor)));
    this.running_var!.set(tf.add(tf.mul(this.running_var!.value, 1 - factor), tf.mul(v, factor)));
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'BatchNorm2d', this.numFeatures);
    return tf.tidy(() => toNCHW(this.forwardNHWC(toNHWC(x))));
  }

  override extraRepr(): string {
    // PyTorch >= 2.6 prints bias (its BatchNorm's `bias` argument, default True; twinml's BatchNorm2d always has it).
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, bias=True, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}
