/**
 * The convolution behind nn.Conv2d and F.conv2d on PyTorch's layouts: input [N, C, H, W], weight
 * [out, in/groups, kh, kw]. The layout the kernels take is decided inside src/backend: the NCHW entry point runs
 * a native NCHW kernel where the backend has one (conv2d-nchw.ts) and otherwise transposes the activation in and
 * out, and the channels-last entry point serves `Sequential`'s channels-last runs (see sequential.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2dGeometry, FusedActivation } from '../backend/conv2d-nhwc.js';
import { conv2dOnNCHW } from '../backend/conv2d-nchw.js';
export { runsConv2dNCHW } from '../backend/conv2d-nchw.js';
import { pair } from './layout.js';

export type { Conv2dGeometry, FusedActivation };
export { conv2dNHWC, groupedConv2dNHWC, conv2dChannelsLast } from '../backend/conv2d-nhwc.js';

/** Conv2d's padding argument: an int or [h, w] (both sides), 'valid' (none) or 'same' (stride 1 only). */
export type Conv2dPadding = number | [number, number] | 'same' | 'valid';

/**
 * The geometry PyTorch applies for these arguments ('same': the extra pad goes bottom/right).
 * @param what - the caller's name for error messages ('Conv2d', 'F.conv2d')
 * @param kernelSize - [kh, kw]
 * @param options - stride, padding, dilation as PyTorch takes them
 */
export function convGeometry(
  what: string,
  kernelSize: [number, number],
  options: { stride?: number | [number, number]; padding?: Conv2dPadding; dilation?: number | [number, number] },
): Conv2dGeometry {
  const strides = pair(options.stride ?? 1, `${what}: stride`);
  const dilations = pair(options.dilation ?? 1, `${what}: dilation`);
  const padding = options.padding ?? 0;
  let pads: [[number, number], [number, number]];
  if (padding === 'valid') pads = [[0, 0], [0, 0]];
  else if (padding === 'same') {
    if (strides[0] !== 1 || strides[1] !== 1) throw new Error(`${what}: padding='same' is not supported for strided convolutions`);
    pads = [0, 1].map((i) => {
      const total = dilations[i]! * (kernelSize[i]! - 1);
      const before = Math.floor(total / 2);
      return [before, total - before];
    }) as [[number, number], [number, number]];
  } else if (typeof padding === 'string') {
    throw new Error(`${what}: padding '${padding as string}' is invalid; choose 'same', 'valid', an int or [h, w]`);
  } else {
    const [ph, pw] = pair(padding, `${what}: padding`, 0);
    pads = [[ph, ph], [pw, pw]];
  }
  return { strides, dilations, pads };
}

/** Checks input [N, C, H, W] against weight [out, in/groups, kh, kw] and bias [out]. */
export function checkConvOperands(what: string, x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, groups: number): void {
  if (weight.rank !== 4) throw new Error(`${what}: weight must be [out, in/groups, kh, kw], got [${weight.shape.join(', ')}]`);
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${what}: groups must be a positive integer, got ${groups}`);
  const [out, perGroup] = weight.shape as [number, number, number, number];
  if (x.rank !== 4 || x.shape[1] !== perGroup * groups) {
    throw new Error(`${what}: expected input [N, ${perGroup * groups}, H, W] for weight [${weight.shape.join(', ')}] and groups=${groups}, got [${x.shape.join(', ')}]`);
  }
  if (out % groups !== 0) throw new Error(`${what}: out_channels (${out}) must be divisible by groups (${groups})`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== out)) throw new Error(`${what}: bias must be [${out}], got [${bias.shape.join(', ')}]`);
}

/**
 * activation(conv2d(x, weight) + bias) on PyTorch's NCHW activations.
 * @param x - [N, Ci, H, W]
 * @param weight - [Co, Ci/groups, kh, kw]
 * @param bias - [Co] or null
 * @param groups - groups
 * @param g - geometry
 * @param activation - 'linear' or 'relu'
 */
export function conv2dNCHW(
  x: tf.Tensor4D,
  weight: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  groups: number,
  g: Conv2dGeometry,
  activation: FusedActivation = 'linear',
): tf.Tensor4D {
  return conv2dOnNCHW(x, weight, bias, groups, g, activation);
}
