/**
 * Mirrors torch.nn.BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True).
 * Training: normalise with the batch's biased variance; update running_mean/running_var as
 * new = (1 - momentum) * old + momentum * batch, with the unbiased variance (momentum null: cumulative average
 * 1/num_batches_tracked). Eval: normalise with the running statistics. num_batches_tracked is int64 in state_dicts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { ModuleBuffer, Parameter } from './parameter.js';
import { assertNCHW } from './layout.js';
import { batchNormCore, updatedRunningStats, type ChannelAxis } from './batchnorm-functional.js';
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

  /** Normalisation over N, H, W of a channels-last tensor [N, H, W, C] (for `Sequential`'s channels-last runs). */
  forwardChannelsLast(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.numFeatures) throw new Error(`BatchNorm2d: expected ${this.numFeatures} channels, got shape [${x.shape.join(', ')}] (NHWC)`);
    return this.normalise(x, 'channels-last') as tf.Tensor4D;
  }

  /** F.batch_norm's computation, plus num_batches_tracked and momentum=None (a cumulative average). */
  private normalise(x: tf.Tensor, axis: ChannelAxis): tf.Tensor {
    const useBatchStats = this.training || !this.trackRunningStats;
    const updates = this.training && this.trackRunningStats;
    return batchNormCore(x, axis, {
      what: 'BatchNorm2d',
      useBatchStats,
      runningMean: this.running_mean?.value ?? null,
      runningVar: this.running_var?.value ?? null,
      weight: this.weight?.variable ?? null,
      bias: this.bias?.variable ?? null,
      eps: this.eps,
      ...(updates ? { onBatchStats: (mean: tf.Tensor1D, variance: tf.Tensor1D, count: number) => this.updateRunningStats(mean, variance, count) } : {}),
    });
  }

  private updateRunningStats(mean: tf.Tensor1D, variance: tf.Tensor1D, count: number): void {
    const tracked = this.num_batches_tracked!;
    const batches = (tracked.value.dataSync()[0] ?? 0) + 1;
    tracked.set(tf.scalar(batches, 'int32'));
    const factor = this.momentum ?? 1 / batches;
    const next = updatedRunningStats(this.running_mean!.value, this.running_var!.value, mean, variance, count, factor);
    this.running_mean!.set(next.mean);
    this.running_var!.set(next.variance);
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'BatchNorm2d', this.numFeatures);
    return this.normalise(x, 'channels-first');
  }

  override extraRepr(): string {
    // PyTorch >= 2.6 prints bias (its BatchNorm's `bias` argument, default True; twinml's BatchNorm2d always has it).
    const momentum = this.momentum === null ? 'None' : pyFloat(this.momentum);
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${momentum}, affine=${pyBool(this.affine)}, bias=True, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}
