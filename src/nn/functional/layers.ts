/**
 * TEMPORARY (surface stream): torch.nn.functional's layout-bearing ops with the names and signatures of
 * /work/wt/CONTRACT-F-LAYERS.md, written on plain tf ops so that `F` compiles. The layouts stream owns this file;
 * its version (the fast path the nn modules use) replaces this one at merge.
 * Inputs are NCHW, weights in PyTorch's layouts ([out, in] for linear, [out, in/groups, kh, kw] for conv2d).
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../pooling.js';
import { groupedConv2dNHWC } from '../conv-functional.js';
import { pair } from '../layout.js';

/** torch.nn.functional.linear: y = x Wᵀ + b with `weight` [out, in]. */
export function linear(input: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const [out, inF] = weight.shape as [number, number];
    if (weight.rank !== 2 || input.shape[input.rank - 1] !== inF) {
      throw new Error(`F.linear: input [${input.shape.join(', ')}] does not match weight [${weight.shape.join(', ')}] ([out, in])`);
    }
    const flat = tf.reshape(input, [-1, inF]) as tf.Tensor2D;
    let y: tf.Tensor = tf.matMul(flat, weight as tf.Tensor2D, false, true);
    if (bias) y = tf.add(y, bias);
    return tf.reshape(y, [...input.shape.slice(0, -1), out]);
  });
}

/** Options of {@link conv2d} (PyTorch's keyword arguments). */
export interface Conv2dFunctionalOptions {
  stride?: number | [number, number];
  padding?: number | [number, number] | 'valid' | 'same';
  dilation?: number | [number, number];
  groups?: number;
}

/** torch.nn.functional.conv2d: input [N, C, H, W], weight [out, in/groups, kh, kw]. */
export function conv2d(input: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor | null, options: Conv2dFunctionalOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const strides = pair(options.stride ?? 1, 'F.conv2d: stride');
    const dilations = pair(options.dilation ?? 1, 'F.conv2d: dilation');
    const groups = options.groups ?? 1;
    const [, , kh, kw] = weight.shape as [number, number, number, number];
    let pads: [[number, number], [number, number]];
    const padding = options.padding ?? 0;
    if (padding === 'valid') pads = [[0, 0], [0, 0]];
    else if (padding === 'same') {
      const th = dilations[0] * (kh - 1);
      const tw = dilations[1] * (kw - 1);
      pads = [[Math.floor(th / 2), th - Math.floor(th / 2)], [Math.floor(tw / 2), tw - Math.floor(tw / 2)]];
    } else {
      const [ph, pw] = pair(padding, 'F.conv2d: padding', 0);
      pads = [[ph, ph], [pw, pw]];
    }
    const x = tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D;
    const filter = tf.transpose(weight, [2, 3, 1, 0]) as tf.Tensor4D;
    let y: tf.Tensor = groupedConv2dNHWC(x, filter, groups, { strides, dilations, pads });
    if (bias) y = tf.add(y, bias);
    return tf.transpose(y, [0, 3, 1, 2]);
  });
}

/** Options of {@link max_pool2d}. */
export interface MaxPool2dFunctionalOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  ceilMode?: boolean;
}

/** torch.nn.functional.max_pool2d (stride defaults to kernel_size). */
export function max_pool2d(input: tf.Tensor, kernelSize: number | [number, number], options: MaxPool2dFunctionalOptions = {}): tf.Tensor {
  const [dh, dw] = pair(options.dilation ?? 1, 'F.max_pool2d: dilation');
  if (dh !== 1 || dw !== 1) throw new Error(`F.max_pool2d: dilation ${options.dilation} is not supported yet (only 1)`);
  const { stride, padding, ceilMode } = options;
  return new MaxPool2d(kernelSize, { stride, padding, ceilMode }).forward(input);
}

/** Options of {@link avg_pool2d}. */
export interface AvgPool2dFunctionalOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
}

/** torch.nn.functional.avg_pool2d (stride defaults to kernel_size). */
export function avg_pool2d(input: tf.Tensor, kernelSize: number | [number, number], options: AvgPool2dFunctionalOptions = {}): tf.Tensor {
  return new AvgPool2d(kernelSize, options).forward(input);
}

/** torch.nn.functional.adaptive_avg_pool2d. */
export function adaptive_avg_pool2d(input: tf.Tensor, outputSize: number | [number, number]): tf.Tensor {
  return new AdaptiveAvgPool2d(outputSize).forward(input);
}

/** Options of {@link batch_norm}. */
export interface BatchNormFunctionalOptions {
  weight?: tf.Tensor | null;
  bias?: tf.Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * torch.nn.functional.batch_norm over dim 1 of an [N, C, ...] input. Like PyTorch, in training mode updates
 * runningMean/runningVar in place (tf.Variable.assign) when given.
 */
export function batch_norm(input: tf.Tensor, runningMean: tf.Variable | null, runningVar: tf.Variable | null, options: BatchNormFunctionalOptions = {}): tf.Tensor {
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  const c = input.shape[1]!;
  const bshape = [1, c, ...Array<number>(Math.max(0, input.rank - 2)).fill(1)];
  const axes = [...Array(input.rank).keys()].filter((a) => a !== 1);
  return tf.tidy(() => {
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (training) {
      const m = tf.moments(input, axes, true);
      mean = m.mean;
      variance = m.variance;
      const count = input.size / c;
      if (runningMean) runningMean.assign(tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(tf.reshape(mean, [c]), momentum)));
      if (runningVar) {
        const unbiased = tf.mul(tf.reshape(variance, [c]), count / Math.max(1, count - 1));
        runningVar.assign(tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum)));
      }
    } else {
      if (!runningMean || !runningVar) throw new Error('F.batch_norm: running_mean and running_var are required when training is false');
      mean = tf.reshape(runningMean, bshape);
      variance = tf.reshape(runningVar, bshape);
    }
    let y = tf.mul(tf.sub(input, mean), tf.rsqrt(tf.add(variance, eps)));
    if (options.weight) y = tf.mul(y, tf.reshape(options.weight, bshape));
    if (options.bias) y = tf.add(y, tf.reshape(options.bias, bshape));
    return y;
  });
}

/** torch.nn.functional.relu. */
export function relu(input: tf.Tensor): tf.Tensor {
  return tf.relu(input);
}
