/**
 * torch.nn.functional.conv_transpose2d on PyTorch's layouts: input [N, C_in, H, W], weight
 * [C_in, C_out/groups, kh, kw]. Computed as the convolution it is the gradient of: the input with stride-1 zeros
 * inserted between its elements, padded by dilation*(k-1) - padding on each side (plus output_padding at the
 * bottom/right; negative amounts crop), convolved (stride 1, the same dilation and groups) with the weight flipped
 * in space and with its in/out axes swapped per group. The convolution is F.conv2d's (src/backend/conv2d-nhwc.ts),
 * so every backend runs its own conv kernels and tfjs differentiates the whole.
 * Output size: (H-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dChannelsLast } from '../backend/conv2d-nhwc.js';
import { pair, toNCHW, toNHWC } from './layout.js';

/** F.conv_transpose2d's keyword arguments (PyTorch's defaults: stride 1, padding 0, output_padding 0, groups 1, dilation 1). */
export interface ConvTranspose2dFunctionalOptions {
  stride?: number | [number, number];
  /** dilation*(k-1) - padding is added to both sides of the zero-inserted input (int or [h, w]). */
  padding?: number | [number, number];
  /** Extra rows/columns at the bottom/right of the output; smaller than stride or dilation (int or [h, w]). */
  outputPadding?: number | [number, number];
  groups?: number;
  dilation?: number | [number, number];
}

/** The resolved geometry of a transposed convolution. */
export interface ConvTransposeGeometry {
  stride: [number, number];
  padding: [number, number];
  outputPadding: [number, number];
  dilation: [number, number];
}

/**
 * Checks and resolves the arguments.
 * @param what - the caller's name for messages
 * @param options - the keyword arguments
 */
export function convTransposeGeometry(what: string, options: ConvTranspose2dFunctionalOptions): ConvTransposeGeometry {
  const stride = pair(options.stride ?? 1, `${what}: stride`);
  const padding = pair(options.padding ?? 0, `${what}: padding`, 0);
  const outputPadding = pair(options.outputPadding ?? 0, `${what}: output_padding`, 0);
  const dilation = pair(options.dilation ?? 1, `${what}: dilation`);
  for (const i of [0, 1]) {
    if (outputPadding[i]! >= Math.max(stride[i]!, dilation[i]!)) {
      throw new Error(`${what}: output_padding (${outputPadding.join(', ')}) must be smaller than either stride (${stride.join(', ')}) or dilation (${dilation.join(', ')})`);
    }
  }
  return { stride, padding, outputPadding, dilation };
}

/** Inserts stride-1 zeros between the rows and columns of an NHWC tensor. */
function insertZeros(x: tf.Tensor4D, [sh, sw]: [number, number]): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.slice(tf.reshape(spread, [n, h * sh, w * sw, c]) as tf.Tensor4D, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/** The transposed weight as a convolution weight: [C_out, C_in/groups, kh, kw], flipped in space. */
function convolutionWeight(weight: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [cin, coutPerGroup, kh, kw] = weight.shape;
  const flipped = tf.reverse(weight, [2, 3]);
  if (groups === 1) return tf.transpose(flipped, [1, 0, 2, 3]);
  const grouped = tf.reshape(flipped, [groups, cin / groups, coutPerGroup, kh, kw]);
  return tf.reshape(tf.transpose(grouped, [0, 2, 1, 3, 4]), [groups * coutPerGroup, cin / groups, kh, kw]);
}

/**
 * The transposed convolution.
 * @param what - the caller's name for messages
 * @param x - [N, C_in, H, W]
 * @param weight - [C_in, C_out/groups, kh, kw]
 * @param bias - [C_out] or null
 * @param groups - groups
 * @param g - the geometry
 */
export function convTranspose2dNCHW(what: string, x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, groups: number, g: ConvTransposeGeometry): tf.Tensor4D {
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`${what}: groups must be a positive integer, got ${groups}`);
  if (weight.rank !== 4) throw new Error(`${what}: weight must be [in, out/groups, kh, kw], got [${weight.shape.join(', ')}]`);
  const [cin, coutPerGroup, kh, kw] = weight.shape as [number, number, number, number];
  if (x.rank !== 4 || x.shape[1] !== cin) throw new Error(`${what}: expected input [N, ${cin}, H, W] for weight [${weight.shape.join(', ')}], got [${x.shape.join(', ')}]`);
  if (cin % groups !== 0) throw new Error(`${what}: in_channels (${cin}) must be divisible by groups (${groups})`);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== coutPerGroup * groups)) {
    throw new Error(`${what}: bias must be [${coutPerGroup * groups}], got [${bias.shape.join(', ')}]`);
  }
  const k: [number, number] = [kh, kw];
  const before = [0, 1].map((i) => g.dilation[i]! * (k[i]! - 1) - g.padding[i]!);
  const after = [0, 1].map((i) => before[i]! + g.outputPadding[i]!);
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  const outSize = [0, 1].map((i) => ([h, w][i]! - 1) * g.stride[i]! + 1 + before[i]! + after[i]! - g.dilation[i]! * (k[i]! - 1));
  if (outSize.some((s) => s < 1)) throw new Error(`${what}: the output would be empty ([${outSize.join(', ')}]) for input [${x.shape.join(', ')}]`);
  return tf.tidy(() => {
    let xs = insertZeros(toNHWC(x), g.stride);
    // Negative pads crop (padding larger than dilation*(k-1)); the rest is the convolution's own padding.
    const crop = [0, 1].map((i) => [Math.max(0, -before[i]!), Math.max(0, -after[i]!)] as [number, number]);
    if (crop.some(([a, b]) => a > 0 || b > 0)) {
      const [n, hh, ww, c] = xs.shape;
      xs = tf.slice(xs, [0, crop[0]![0], crop[1]![0], 0], [n, hh - crop[0]![0] - crop[0]![1], ww - crop[1]![0] - crop[1]![1], c]);
    }
    const pads = [0, 1].map((i) => [Math.max(0, before[i]!), Math.max(0, after[i]!)]) as [[number, number], [number, number]];
    const geometry = { strides: [1, 1] as [number, number], dilations: g.dilation, pads };
    const y = conv2dChannelsLast(xs, convolutionWeight(weight as tf.Tensor4D, groups), bias as tf.Tensor1D | null, groups, geometry, 'linear');
    return toNCHW(y);
  });
}

/**
 * torch.nn.functional.conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
 * dilation=1).
 * @param input - [N, C_in, H, W]
 * @param weight - [C_in, C_out/groups, kh, kw]
 * @param bias - [C_out] (optional)
 * @param options - stride, padding, outputPadding, groups, dilation
 */
export function conv_transpose2d(input: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor | null, options: ConvTranspose2dFunctionalOptions = {}): tf.Tensor {
  return convTranspose2dNCHW('F.conv_transpose2d', input, weight, bias ?? null, options.groups ?? 1, convTransposeGeometry('F.conv_transpose2d', options));
}
