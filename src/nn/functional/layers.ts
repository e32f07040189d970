/**
 * torch.nn.functional's layout-bearing ops on PyTorch's layouts: NCHW activations, linear weight [out, in],
 * conv2d weight [out, in/groups, kh, kw]. The nn modules (Linear, Conv2d, MaxPool2d, AvgPool2d,
 * AdaptiveAvgPool2d, ReLU) call these, so a functional model and a module model get the same kernels; the
 * layout and fusion choices of those kernels are made inside src/backend. PyTorch's defaults apply; an option
 * that is not supported is an error naming it, never ignored.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearWithActivation } from '../linear-functional.js';
import { checkConvOperands, conv2dNCHW, convGeometry } from '../conv-functional.js';
import { adaptiveAvgPool2dNCHW, avgPool2dChannelsLast, maxPool2dNCHW, poolGeometry } from '../pooling-functional.js';
import { batchNormCore, updatedRunningStats } from '../batchnorm-functional.js';
import { pair, toNCHW, toNHWC } from '../layout.js';

/**
 * torch.nn.functional.linear: y = input · weightᵀ + bias.
 * @param input - [..., in]
 * @param weight - [out, in]
 * @param bias - [out] (optional)
 */
export function linear(input: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor | null): tf.Tensor {
  return linearWithActivation('F.linear', input, weight, bias ?? null, 'linear');
}

/** F.conv2d's keyword arguments (PyTorch's defaults: stride 1, padding 0, dilation 1, groups 1). */
export interface Conv2dFunctionalOptions {
  stride?: number | [number, number];
  /** An int or [h, w] (both sides), 'valid' (none) or 'same' (stride 1 only; the extra pad goes bottom/right). */
  padding?: number | [number, number] | 'valid' | 'same';
  dilation?: number | [number, number];
  groups?: number;
}

/**
 * torch.nn.functional.conv2d.
 * @param input - [N, C_in, H, W]
 * @param weight - [C_out, C_in/groups, kh, kw]
 * @param bias - [C_out] (optional)
 * @param options - stride, padding, dilation, groups
 */
export function conv2d(input: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor | null, options: Conv2dFunctionalOptions = {}): tf.Tensor {
  const groups = options.groups ?? 1;
  checkConvOperands('F.conv2d', input, weight, bias ?? null, groups);
  const g = convGeometry('F.conv2d', [weight.shape[2]!, weight.shape[3]!], options);
  return conv2dNCHW(input as tf.Tensor4D, weight as tf.Tensor4D, (bias ?? null) as tf.Tensor1D | null, groups, g);
}

/** F.max_pool2d's keyword arguments (stride defaults to kernel_size). */
export interface MaxPool2dFunctionalOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** Only 1 is supported. */
  dilation?: number | [number, number];
  ceilMode?: boolean;
}

function asNCHW(what: string, input: tf.Tensor): tf.Tensor4D {
  if (input.rank !== 4) throw new Error(`${what}: expected a 4-D input (N, C, H, W), got shape [${input.shape.join(', ')}]`);
  return input as tf.Tensor4D;
}

/**
 * torch.nn.functional.max_pool2d (return_indices is not supported).
 * @param input - [N, C, H, W]
 * @param kernelSize - int or [kh, kw]
 * @param options - stride, padding, dilation (1 only), ceilMode
 */
export function max_pool2d(input: tf.Tensor, kernelSize: number | [number, number], options: MaxPool2dFunctionalOptions = {}): tf.Tensor {
  const dilation = pair(options.dilation ?? 1, 'F.max_pool2d: dilation');
  if (dilation[0] !== 1 || dilation[1] !== 1) throw new Error(`F.max_pool2d: dilation=(${dilation.join(', ')}) is not supported; only dilation=1`);
  const g = poolGeometry('F.max_pool2d', kernelSize, options);
  const x = asNCHW('F.max_pool2d', input);
  return maxPool2dNCHW(x, g);
}

/** F.avg_pool2d's keyword arguments (stride defaults to kernel_size, count_include_pad to true). */
export interface AvgPool2dFunctionalOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
}

/**
 * torch.nn.functional.avg_pool2d.
 * @param input - [N, C, H, W]
 * @param kernelSize - int or [kh, kw]
 * @param options - stride, padding, ceilMode, countIncludePad, divisorOverride
 */
export function avg_pool2d(input: tf.Tensor, kernelSize: number | [number, number], options: AvgPool2dFunctionalOptions = {}): tf.Tensor {
  const g = poolGeometry('F.avg_pool2d', kernelSize, options);
  const divisor = options.divisorOverride ?? null;
  if (divisor !== null && !(divisor !== 0 && Number.isFinite(divisor))) throw new Error(`F.avg_pool2d: divisor_override must be a non-zero number, got ${divisor}`);
  const x = asNCHW('F.avg_pool2d', input);
  return tf.tidy(() => toNCHW(avgPool2dChannelsLast(toNHWC(x), g, options.countIncludePad ?? true, divisor)));
}

/**
 * torch.nn.functional.adaptive_avg_pool2d.
 * @param input - [N, C, H, W]
 * @param outputSize - int or [h, w]
 */
export function adaptive_avg_pool2d(input: tf.Tensor, outputSize: number | [number, number]): tf.Tensor {
  const [ho, wo] = pair(outputSize, 'F.adaptive_avg_pool2d: output_size');
  return adaptiveAvgPool2dNCHW(asNCHW('F.adaptive_avg_pool2d', input), ho, wo);
}

/** F.batch_norm's keyword arguments (PyTorch's defaults: training false, momentum 0.1, eps 1e-5). */
export interface BatchNormFunctionalOptions {
  weight?: tf.Tensor | null;
  bias?: tf.Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * torch.nn.functional.batch_norm over the channel axis 1 of [N, C, ...]. Like PyTorch, in training mode it
 * normalises with the batch's statistics and updates `runningMean` / `runningVar` in place (unbiased variance,
 * new = (1 - momentum) * old + momentum * batch) when they are given; otherwise it uses them.
 * @param input - [N, C, ...]
 * @param runningMean - [C] or null
 * @param runningVar - [C] or null
 * @param options - weight, bias, training, momentum, eps
 */
export function batch_norm(input: tf.Tensor, runningMean: tf.Variable | null, runningVar: tf.Variable | null, options: BatchNormFunctionalOptions = {}): tf.Tensor {
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  if ((runningMean === null) !== (runningVar === null)) throw new Error('F.batch_norm: give both running_mean and running_var, or neither');
  return batchNormCore(input, 'channels-first', {
    what: 'F.batch_norm',
    useBatchStats: training,
    runningMean,
    runningVar,
    weight: options.weight ?? null,
    bias: options.bias ?? null,
    eps: options.eps ?? 1e-5,
    ...(training && runningMean && runningVar
      ? {
          onBatchStats: (mean: tf.Tensor1D, variance: tf.Tensor1D, count: number) => {
            const next = updatedRunningStats(runningMean, runningVar, mean, variance, count, momentum);
            runningMean.assign(next.mean);
            runningVar.assign(next.variance);
          },
        }
      : {}),
  });
}

/**
 * torch.nn.functional.relu: max(input, 0) (NaN stays NaN).
 * @param input - any shape
 */
export function relu(input: tf.Tensor): tf.Tensor {
  return tf.relu(input);
}
