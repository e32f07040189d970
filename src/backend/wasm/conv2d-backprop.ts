/**
 * Convolution gradients expressed as forward convolutions, so that the wasm backend runs them through XNNPACK
 * (its own Conv2DBackpropInput is a plain C++ loop and it has no Conv2DBackpropFilter at all).
 *
 * - input gradient: a stride-1 convolution of the zero-dilated, re-padded dy with the spatially flipped,
 *   in/out-transposed filter (dilation kept);
 * - filter gradient: a convolution whose batch is the input channels and whose filter is dy:
 *   x as [Ci, H, W, N] convolved with dy as [Ho, Wo, N, Co], stride = dilation and dilation = stride,
 *   giving [Ci, kh, kw, Co].
 *
 * Both work for any backend with the Conv2D, Transpose, Reverse, Reshape, Slice and PadV2 kernels; they are
 * registered under tfjs's names for wasm and under twinml's dilation-aware names for every backend
 * (tfjs's own conv gradients reject dilation > 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';

/** Explicit NHWC spatial padding [[top, bottom], [left, right]]. */
export type SpatialPads = [[number, number], [number, number]];

export interface ConvGeometry {
  strides: [number, number];
  dilations: [number, number];
  pads: SpatialPads;
}

type Pad = backend_util.ExplicitPadding | 'valid' | 'same' | number;

/** Resolves tfjs's padding argument into explicit top/bottom/left/right amounts. */
export function resolveGeometry(
  xShape: number[],
  filterShape: number[],
  strides: number | [number, number],
  dilations: number | [number, number] | undefined,
  pad: Pad,
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
  depthwise = false,
): ConvGeometry {
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    depthwise,
  );
  return {
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [
      [info.padInfo.top, info.padInfo.bottom],
      [info.padInfo.left, info.padInfo.right],
    ],
  };
}

/**
 * dy [N, Ho, Wo, C] with (stride - 1) zeros inserted between rows and columns, then padded/cropped so that a
 * stride-1 convolution with the flipped filter (dilation kept) yields exactly [N, H, W, ...].
 */
export function dilateAndPadForInputGrad(
  c: KernelComposer,
  dy: TensorInfo,
  inputHW: [number, number],
  kernelHW: [number, number],
  g: ConvGeometry,
): { x: TensorInfo; pads: SpatialPads } {
  const [n, ho, wo, ch] = dy.shape as [number, number, number, number];
  const [sh, sw] = g.strides;
  let x = dy;
  if (sh > 1 || sw > 1) {
    // [N*Ho, 1, Wo, 1, C] -> pad to [N*Ho, sh, Wo, sw, C] -> [N, Ho*sh, Wo*sw, C]
    const r = c.reshape(dy, [n * ho, 1, wo, 1, ch]);
    const p = c.run('PadV2', { x: r }, { paddings: [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
    x = c.reshape(p, [n, ho * sh, wo * sw, ch]);
  }
  const pads = [0, 1].map((i) => {
    const eff = (kernelHW[i]! - 1) * g.dilations[i]! + 1;
    const before = g.pads[i]![0];
    const dilatedLength = ((i === 0 ? ho : wo) - 1) * g.strides[i]! + 1;
    const present = x.shape[i + 1]!; // dilatedLength + stride - 1 trailing zeros
    const left = eff - 1 - before;
    const right = inputHW[i]! + before - dilatedLength - (present - dilatedLength);
    return [left, right] as [number, number];
  }) as SpatialPads;
  if (pads.flat().some((v) => v < 0)) {
    x = c.padOrCrop(x, [[0, 0], pads[0], pads[1], [0, 0]]);
    return { x, pads: [[0, 0], [0, 0]] };
  }
  return { x, pads };
}

/**
 * dx of a convolution: dy [N, Ho, Wo, Co], filter [kh, kw, Ci, Co] -> [N, H, W, Ci].
 * @param c - the composer of the backend running the kernel
 * @param dy - the output gradient (NHWC)
 * @param filter - the forward filter (HWIO)
 * @param inputShape - the forward input's shape [N, H, W, Ci]
 * @param g - strides, dilations and explicit pads of the forward convolution
 */
export function conv2dInputGrad(c: KernelComposer, dy: TensorInfo, filter: TensorInfo, inputShape: number[], g: ConvGeometry): TensorInfo {
  const [kh, kw] = filter.shape as [number, number];
  const flipped = c.run('Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = c.transpose(flipped, [0, 1, 3, 2]);
  const { x, pads } = dilateAndPadForInputGrad(c, dy, [inputShape[1]!, inputShape[2]!], [kh, kw], g);
  return c.run('Conv2D', { x, filter: swapped }, {
    strides: [1, 1],
    pad: [[0, 0], pads[0], pads[1], [0, 0]],
    dataFormat: 'NHWC',
    dilations: g.dilations,
  });
}

/**
 * dW of a convolution: x [N, H, W, Ci], dy [N, Ho, Wo, Co] -> [kh, kw, Ci, Co].
 * @param c - the composer of the backend running the kernel
 * @param x - the forward input (NHWC)
 * @param dy - the output gradient (NHWC)
 * @param filterShape - [kh, kw, Ci, Co]
 * @param g - strides, dilations and explicit pads of the forward convolution
 */
export function conv2dFilterGrad(c: KernelComposer, x: TensorInfo, dy: TensorInfo, filterShape: number[], g: ConvGeometry): TensorInfo {
  const [, h, w] = x.shape as [number, number, number, number];
  const [, ho, wo] = dy.shape as [number, number, number, number];
  const [kh, kw] = filterShape as [number, number];
  // Rows the filter gradient reads: (k-1)*d + (Ho-1)*s + 1 starting at -padBefore.
  const pads = [0, 1].map((i) => {
    const k = i === 0 ? kh : kw;
    const o = i === 0 ? ho : wo;
    const size = i === 0 ? h : w;
    const before = g.pads[i]![0];
    const needed = (k - 1) * g.dilations[i]! + (o - 1) * g.strides[i]! + 1;
    return [before, needed - before - size] as [number, number];
  });
  const xT = c.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, N]
  const dyT = c.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  let input = xT;
  let convPad: Array<[number, number]> = [[0, 0], pads[0]!, pads[1]!, [0, 0]];
  if (pads.flat().some((v) => v < 0)) {
    input = c.padOrCrop(xT, convPad);
    convPad = [[0, 0], [0, 0], [0, 0], [0, 0]];
  }
  const grad = c.run('Conv2D', { x: input, filter: dyT }, {
    strides: g.dilations,
    pad: convPad,
    dataFormat: 'NHWC',
    dilations: g.strides,
  }); // [Ci, kh, kw, Co]
  return c.transpose(grad, [1, 2, 0, 3]);
}

function composerFor(backend: object, backendName: string): KernelComposer {
  return new KernelComposer(backend as tf.KernelBackend, backendName);
}

interface BackpropInputAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: number[];
  dilations?: number | [number, number];
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: number[];
  dilations?: number | [number, number];
}

/** Kernel names of twinml's dilation-aware convolution gradients (attrs like tfjs's plus `dilations`). */
export const TWINML_CONV2D_BACKPROP_INPUT = 'TwinmlConv2DBackpropInput';
export const TWINML_CONV2D_BACKPROP_FILTER = 'TwinmlConv2DBackpropFilter';

function assertNHWC(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`twinml ${kernel}: dataFormat must be 'NHWC', got '${dataFormat}'`);
  }
}

/** Makes the input-gradient kernel config for `backendName` under `kernelName`. */
export function makeConv2DBackpropInput(kernelName: string, backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as BackpropInputAttrs;
    assertNHWC(kernelName, a.dataFormat);
    const g = resolveGeometry(a.inputShape, filter.shape, a.strides, a.dilations, a.pad, a.dimRoundingMode);
    const c = composerFor(backend, backendName);
    return c.finish(conv2dInputGrad(c, dy, filter, a.inputShape, g));
  };
  return { kernelName, backendName, kernelFunc };
}

/** Makes the filter-gradient kernel config for `backendName` under `kernelName`. */
export function makeConv2DBackpropFilter(kernelName: string, backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as BackpropFilterAttrs;
    assertNHWC(kernelName, a.dataFormat);
    const g = resolveGeometry(x.shape, a.filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode);
    const c = composerFor(backend, backendName);
    return c.finish(conv2dFilterGrad(c, x, dy, a.filterShape, g));
  };
  return { kernelName, backendName, kernelFunc };
}

/**
 * Registers twinml's dilation-aware convolution gradient kernels (`TwinmlConv2DBackpropInput/Filter`, attrs as
 * tfjs's Conv2DBackprop* plus `dilations`) for a backend; idempotent. They compose the backend's Conv2D.
 * @param backendName - 'wasm', 'cpu', 'tensorflow', ...
 */
export function registerDilatedConvGradKernels(backendName: string): void {
  if (!tf.getKernel(TWINML_CONV2D_BACKPROP_INPUT, backendName)) {
    tf.registerKernel(makeConv2DBackpropInput(TWINML_CONV2D_BACKPROP_INPUT, backendName));
  }
  if (!tf.getKernel(TWINML_CONV2D_BACKPROP_FILTER, backendName)) {
    tf.registerKernel(makeConv2DBackpropFilter(TWINML_CONV2D_BACKPROP_FILTER, backendName));
  }
}
