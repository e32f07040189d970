/**
 * The normalisation behind nn.BatchNorm2d and F.batch_norm: per-channel statistics over every axis but the
 * channel axis (1 for PyTorch's [N, C, ...] layout; 3 in `Sequential`'s channels-last runs), then
 * (x - mean) / sqrt(var + eps) * weight + bias as one scale and one shift per channel.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Where the channels are: PyTorch's [N, C, ...] or channels-last [N, H, W, C]. */
export type ChannelAxis = 'channels-first' | 'channels-last';

/** The batch's statistics, handed to the caller to update running statistics. */
export type BatchStatsSink = (mean: tf.Tensor1D, biasedVariance: tf.Tensor1D, count: number) => void;

export interface BatchNormCoreOptions {
  /** Normalise with the batch's statistics (training, or no running statistics). */
  useBatchStats: boolean;
  /** The running statistics used when not `useBatchStats`. */
  runningMean: tf.Tensor | null;
  runningVar: tf.Tensor | null;
  weight: tf.Tensor | null;
  bias: tf.Tensor | null;
  eps: number;
  /** Called with the batch statistics when they are used (inside the caller's tidy). */
  onBatchStats?: BatchStatsSink;
  /** Name for error messages. */
  what: string;
}

/** Mean and biased variance per channel of an [N, ..., C] tensor, as ones-vector GEMMs (no strided reduction). */
function channelsLastMoments(x: tf.Tensor, channels: number): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number } {
  const count = x.size / channels;
  const flat = tf.reshape(x, [count, channels]) as tf.Tensor2D;
  const ones = tf.fill([1, count], 1 / count) as tf.Tensor2D;
  const mean = tf.reshape(tf.matMul(ones, flat), [channels]) as tf.Tensor1D;
  const centered = tf.sub(flat, mean);
  const variance = tf.reshape(tf.matMul(ones, tf.square(centered) as tf.Tensor2D), [channels]) as tf.Tensor1D;
  return { mean, variance, count };
}

/** Mean and biased variance per channel of an [N, C, ...] tensor. */
function channelsFirstMoments(x: tf.Tensor, channels: number): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number } {
  const axes = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2)];
  const { mean, variance } = tf.moments(x, axes);
  return { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, count: x.size / channels };
}

/**
 * Batch normalisation of `x` with the statistics `options` selects.
 * @param x - [N, C, ...] (channels-first) or [N, H, W, C] (channels-last)
 * @param axis - where the channels are
 * @param options - statistics, affine parameters, eps
 */
export function batchNormCore(x: tf.Tensor, axis: ChannelAxis, options: BatchNormCoreOptions): tf.Tensor {
  const channelDim = axis === 'channels-last' ? x.rank - 1 : 1;
  if (x.rank < 2) throw new Error(`${options.what}: expected an input [N, C, ...], got shape [${x.shape.join(', ')}]`);
  const channels = x.shape[channelDim]!;
  for (const [name, t] of [['weight', options.weight], ['bias', options.bias], ['running_mean', options.runningMean], ['running_var', options.runningVar]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== channels)) throw new Error(`${options.what}: ${name} must have ${channels} values (the input's channels), got shape [${t.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (options.useBatchStats) {
      const m = axis === 'channels-last' ? channelsLastMoments(x, channels) : channelsFirstMoments(x, channels);
      if (m.count <= 1) throw new Error(`${options.what}: expected more than 1 value per channel when training, got input shape [${x.shape.join(', ')}]`);
      options.onBatchStats?.(m.mean, m.variance, m.count);
      mean = m.mean;
      variance = m.variance;
    } else {
      if (!options.runningMean || !options.runningVar) throw new Error(`${options.what}: running_mean and running_var must be given when not training`);
      mean = options.runningMean;
      variance = options.runningVar;
    }
    let scale = tf.rsqrt(tf.add(variance, options.eps));
    if (options.weight) scale = tf.mul(scale, options.weight);
    let shift = tf.neg(tf.mul(mean, scale));
    if (options.bias) shift = tf.add(shift, options.bias);
    if (axis === 'channels-first') {
      const shape = [1, channels, ...Array<number>(x.rank - 2).fill(1)];
      scale = tf.reshape(scale, shape);
      shift = tf.reshape(shift, shape);
    }
    return tf.add(tf.mul(x, scale), shift);
  });
}

/**
 * new = (1 - factor) * old + factor * batch, with the unbiased batch variance (PyTorch's running-statistics update).
 * @returns the new running mean and variance
 */
export function updatedRunningStats(
  runningMean: tf.Tensor,
  runningVar: tf.Tensor,
  mean: tf.Tensor1D,
  biasedVariance: tf.Tensor1D,
  count: number,
  factor: number,
): { mean: tf.Tensor; variance: tf.Tensor } {
  const unbiased = tf.mul(biasedVariance, count / (count - 1));
  return {
    mean: tf.add(tf.mul(runningMean, 1 - factor), tf.mul(mean, factor)),
    variance: tf.add(tf.mul(runningVar, 1 - factor), tf.mul(unbiased, factor)),
  };
}
