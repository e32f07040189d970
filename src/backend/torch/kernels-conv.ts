/**
 * Convolution and pooling kernels of the `torch` backend. tfjs passes NHWC activations and HWIO filters; ATen
 * takes NCHW and OIHW. The NHWC tensor viewed as NCHW (a permute, no copy) is a channels_last tensor, which
 * ATen's oneDNN convolutions run natively, and the channels_last result viewed back as NHWC is contiguous. SAME
 * and explicit asymmetric padding (which ATen's symmetric `padding` cannot express) pad explicitly first:
 * zeros for convolutions, -inf for max pooling. Gradients are ATen's convolution_backward, as PyTorch's
 * autograd runs them.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { aten } from './op-call.js';
import { kernel } from './kernel.js';
import type { TorchBackend } from './backend.js';
import { constantPad, narrow, permute, reshape } from './kernels-shape.js';
import { activate } from './kernels-matmul.js';
import { SCALAR_TYPE } from './native.js';
import type { TwinmlKernelConfig } from '../linear-product.js';

const CONVOLUTION = aten('convolution');
const CONVOLUTION_BACKWARD = aten('convolution_backward');
const EMPTY = aten('empty', 'memory_format');
const AVG_POOL = aten('avg_pool2d');
const AVG_POOL_BACKWARD = aten('avg_pool2d_backward');

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

type Pad = backend_util.PadInfo;

interface Geometry {
  stride: [number, number];
  dilation: [number, number];
  pad: Pad;
  /** Symmetric padding ATen can take directly. */
  symmetric: boolean;
}

function geometry(info: backend_util.Conv2DInfo): Geometry {
  const pad = info.padInfo;
  return {
    stride: [info.strideHeight, info.strideWidth],
    dilation: [info.dilationHeight, info.dilationWidth],
    pad,
    symmetric: pad.top === pad.bottom && pad.left === pad.right,
  };
}

function convInfo(xShape: number[], filterShape: number[], a: NamedAttrMap, depthwise: boolean): backend_util.Conv2DInfo {
  const dilations = (a.dilations as number | [number, number] | undefined) ?? 1;
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides as [number, number], dilations, a.pad as 'valid', a.dimRoundingMode as 'floor', depthwise, 'channelsLast',
  );
}

function checkNHWC(name: string, a: NamedAttrMap): void {
  const f = a.dataFormat as string | undefined;
  if (f !== undefined && f !== 'NHWC') throw new Error(`twinml torch ${name}: dataFormat must be 'NHWC', got '${f}'`);
}

/** The tfjs filter as an ATen weight: HWIO -> OIHW, depthwise HWCM -> [C*M, 1, H, W]. */
function weightOf(b: TorchBackend, filter: TensorInfo, depthwise: boolean): TensorInfo {
  if (!depthwise) return permute(b, filter, [3, 2, 0, 1]);
  const [h, w, c, m] = filter.shape as [number, number, number, number];
  const chw = permute(b, filter, [2, 3, 0, 1]);
  const out = reshape(b, chw, [c * m, 1, h, w]);
  b.release(chw);
  return out;
}

/** An ATen weight gradient back in tfjs's filter layout. */
function filterOf(b: TorchBackend, gw: TensorInfo, filterShape: number[], depthwise: boolean): TensorInfo {
  if (!depthwise) return permute(b, gw, [2, 3, 1, 0]);
  const [h, w, c, m] = filterShape as [number, number, number, number];
  const cmhw = reshape(b, gw, [c, m, h, w]);
  const out = permute(b, cmhw, [2, 3, 0, 1]);
  b.release(cmhw);
  return out;
}

/**
 * `x` (an NCHW view) as a channels_last tensor whose strides say so (no copy when its memory is channels_last):
 * with one channel, ATen would take the view for NCHW and run the convolution, and every layer after it, NCHW.
 */
function channelsLast(b: TorchBackend, x: TensorInfo): TensorInfo {
  b.args[0] = b.idOf(x);
  b.addon.channelsLast();
  return b.output();
}

/** x (NCHW view) padded when the padding is asymmetric. */
function padded(b: TorchBackend, xN: TensorInfo, g: Geometry, value: number): TensorInfo {
  if (g.symmetric) return b.share(xN);
  return constantPad(b, xN, [g.pad.left, g.pad.right, g.pad.top, g.pad.bottom], value);
}

function atenPadding(g: Geometry): [number, number] {
  return g.symmetric ? [g.pad.top, g.pad.left] : [0, 0];
}

function conv2d(b: TorchBackend, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, a: NamedAttrMap, depthwise: boolean): TensorInfo {
  const g = geometry(convInfo(x.shape, filter.shape, a, depthwise));
  const groups = depthwise ? x.shape[3]! : 1;
  const xN = permute(b, x, TO_NCHW);
  const xP = padded(b, xN, g, 0);
  const xC = channelsLast(b, xP);
  const w = weightOf(b, filter, depthwise);
  const y = b.op.begin(CONVOLUTION).t(xC).t(w).optT(bias).ints(g.stride).ints(atenPadding(g)).ints(g.dilation).n(false).ints([0, 0]).n(groups).one();
  const out = permute(b, y, TO_NHWC);
  [xN, xP, xC, w, y].forEach((t) => b.release(t));
  return out;
}

/** An uninitialised NCHW view (channels_last memory) of NHWC `shape` padded as `g` pads: only its shape is read. */
function emptyInput(b: TorchBackend, shape: number[], g: Geometry): TensorInfo {
  const [n, h, w, c] = shape as [number, number, number, number];
  const ph = g.symmetric ? 0 : g.pad.top + g.pad.bottom;
  const pw = g.symmetric ? 0 : g.pad.left + g.pad.right;
  const nhwc = b.op.begin(EMPTY).ints([n, h + ph, w + pw, c]).n(SCALAR_TYPE.float32).one();
  const out = permute(b, nhwc, TO_NCHW);
  b.release(nhwc);
  return out;
}

function convInputGrad(b: TorchBackend, dy: TensorInfo, filter: TensorInfo, inputShape: number[], a: NamedAttrMap, depthwise: boolean): TensorInfo {
  const g = geometry(convInfo(inputShape, filter.shape, a, depthwise));
  const groups = depthwise ? inputShape[3]! : 1;
  const dyN = permute(b, dy, TO_NCHW);
  const w = weightOf(b, filter, depthwise);
  const x = emptyInput(b, inputShape, g);
  const [gx] = b.op.begin(CONVOLUTION_BACKWARD).t(dyN).t(x).t(w).none().ints(g.stride).ints(atenPadding(g)).ints(g.dilation).n(false).ints([0, 0]).n(groups).ints([1, 0, 0]).all();
  let cropped = gx!;
  if (!g.symmetric) {
    const rows = narrow(b, gx!, 2, g.pad.top, inputShape[1]!);
    cropped = narrow(b, rows, 3, g.pad.left, inputShape[2]!);
    b.release(rows);
    b.release(gx!);
  }
  const out = permute(b, cropped, TO_NHWC);
  [dyN, w, x, cropped].forEach((t) => b.release(t));
  return out;
}

function convFilterGrad(b: TorchBackend, x: TensorInfo, dy: TensorInfo, filterShape: number[], a: NamedAttrMap, depthwise: boolean): TensorInfo {
  const g = geometry(convInfo(x.shape, filterShape, a, depthwise));
  const groups = depthwise ? x.shape[3]! : 1;
  const dyN = permute(b, dy, TO_NCHW);
  const xN = permute(b, x, TO_NCHW);
  const xP = padded(b, xN, g, 0);
  const xC = channelsLast(b, xP);
  const [h, w, ci, co] = filterShape as [number, number, number, number];
  const weightShape = depthwise ? [ci * co, 1, h, w] : [co, ci, h, w];
  const weight = b.op.begin(EMPTY).ints(weightShape).n(SCALAR_TYPE.float32).one();
  const [gw] = b.op.begin(CONVOLUTION_BACKWARD).t(dyN).t(xC).t(weight).none().ints(g.stride).ints(atenPadding(g)).ints(g.dilation).n(false).ints([0, 0]).n(groups).ints([0, 1, 0]).all();
  const out = filterOf(b, gw!, filterShape, depthwise);
  [dyN, xN, xP, xC, weight, gw!].forEach((t) => b.release(t));
  return out;
}

function poolInfo(x: TensorInfo, a: NamedAttrMap): backend_util.Conv2DInfo {
  return backend_util.computePool2DInfo(
    x.shape as [number, number, number, number], a.filterSize as [number, number], a.strides as [number, number], 1,
    a.pad as 'valid', a.dimRoundingMode as 'floor',
  );
}

/**
 * Whether a pooling is non-overlapping and unpadded (kernel = stride, 'valid'): the zoo CNN's MaxPool2d(2). It then
 * runs on the NHWC tensor as it lies, one pass per window (fused.cc maxPoolNhwc), unless `referencePath` asks for
 * ATen's kernel (tests compare the two).
 */
function tiles(info: backend_util.Conv2DInfo, g: Geometry, a: NamedAttrMap): boolean {
  const p = g.pad;
  return (a as { referencePath?: boolean }).referencePath !== true && p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0 &&
    info.filterHeight === info.strideHeight && info.filterWidth === info.strideWidth && info.dilationHeight === 1 &&
    info.dilationWidth === 1 && info.filterHeight * info.filterWidth <= 255;
}

function maxPool(b: TorchBackend, x: TensorInfo, a: NamedAttrMap): TensorInfo {
  const info = poolInfo(x, a);
  const g = geometry(info);
  if (tiles(info, g, a)) {
    b.args[0] = b.idOf(x);
    b.args[1] = info.filterHeight;
    b.args[2] = info.filterWidth;
    b.addon.maxPoolNhwc();
    return b.output();
  }
  const xN = permute(b, x, TO_NCHW);
  const allZero = g.pad.top === 0 && g.pad.bottom === 0 && g.pad.left === 0 && g.pad.right === 0;
  const xP = allZero ? b.share(xN) : constantPad(b, xN, [g.pad.left, g.pad.right, g.pad.top, g.pad.bottom], -Infinity);
  const xId = b.idOf(xP);
  const args = b.args;
  args[0] = xId;
  args[1] = info.filterHeight;
  args[2] = info.filterWidth;
  args[3] = g.stride[0];
  args[4] = g.stride[1];
  b.addon.maxPool(); // keeps the argmax indices for MaxPoolGrad (native/torch-backend/fused.cc)
  const y = b.output();
  const out = permute(b, y, TO_NHWC);
  [xN, xP, y].forEach((t) => b.release(t));
  return out;
}

function maxPoolGrad(b: TorchBackend, dy: TensorInfo, x: TensorInfo, output: TensorInfo | undefined, a: NamedAttrMap): TensorInfo {
  const info = poolInfo(x, a);
  const g = geometry(info);
  if (tiles(info, g, a)) {
    const ids = [b.idOf(dy), b.idOf(x), output ? b.idOf(output) : -1];
    b.args[0] = ids[0]!;
    b.args[1] = ids[1]!;
    b.args[2] = info.filterHeight;
    b.args[3] = info.filterWidth;
    b.args[4] = ids[2]!;
    b.addon.maxPoolNhwcGrad();
    return b.output();
  }
  const xN = permute(b, x, TO_NCHW);
  const allZero = g.pad.top === 0 && g.pad.bottom === 0 && g.pad.left === 0 && g.pad.right === 0;
  const xP = allZero ? b.share(xN) : constantPad(b, xN, [g.pad.left, g.pad.right, g.pad.top, g.pad.bottom], -Infinity);
  const dyN = permute(b, dy, TO_NCHW);
  const args = b.args;
  const dyId = b.idOf(dyN);
  const xId = b.idOf(xP);
  const outputId = output ? b.idOf(output) : -1;
  args[0] = dyId;
  args[1] = xId;
  args[2] = info.filterHeight;
  args[3] = info.filterWidth;
  args[4] = g.stride[0];
  args[5] = g.stride[1];
  args[6] = outputId;
  b.addon.maxPoolGrad();
  const gx = b.output();
  let cropped = gx;
  if (!allZero) {
    const rows = narrow(b, gx, 2, g.pad.top, x.shape[1]!);
    cropped = narrow(b, rows, 3, g.pad.left, x.shape[2]!);
    b.release(rows);
    b.release(gx);
  }
  const out = permute(b, cropped, TO_NHWC);
  [xN, xP, dyN, cropped].forEach((t) => b.release(t));
  return out;
}

function checkNoPadding(name: string, info: backend_util.Conv2DInfo): void {
  const p = info.padInfo;
  if (p.top || p.bottom || p.left || p.right) {
    throw new Error(`twinml torch ${name}: padding ${JSON.stringify(a2s(p))} is not supported (pad explicitly, then pool with 'valid', as nn.AvgPool2d does)`);
  }
}
const a2s = (p: Pad) => [p.top, p.bottom, p.left, p.right];

function avgPool(b: TorchBackend, x: TensorInfo, a: NamedAttrMap): TensorInfo {
  const info = poolInfo(x, a);
  checkNoPadding('AvgPool', info);
  const xN = permute(b, x, TO_NCHW);
  const y = b.op.begin(AVG_POOL).t(xN).ints([info.filterHeight, info.filterWidth]).ints([info.strideHeight, info.strideWidth]).ints([0, 0]).one();
  const out = permute(b, y, TO_NHWC);
  [xN, y].forEach((t) => b.release(t));
  return out;
}

function avgPoolGrad(b: TorchBackend, dy: TensorInfo, x: TensorInfo, a: NamedAttrMap): TensorInfo {
  const info = poolInfo(x, a);
  checkNoPadding('AvgPoolGrad', info);
  const xN = permute(b, x, TO_NCHW);
  const dyN = permute(b, dy, TO_NCHW);
  const gx = b.op.begin(AVG_POOL_BACKWARD).t(dyN).t(xN).ints([info.filterHeight, info.filterWidth]).ints([info.strideHeight, info.strideWidth]).ints([0, 0]).n(false).n(true).none().one();
  const out = permute(b, gx, TO_NHWC);
  [xN, dyN, gx].forEach((t) => b.release(t));
  return out;
}

/**
 * FusedConv2D / FusedDepthwiseConv2D: ATen's convolution with its bias (as PyTorch's Conv2d computes it), then the
 * activation in place on the fresh result. FusedConv2D is marked as twinml's, so a Conv2d with bias (+ ReLU) runs
 * as this one kernel on torch (src/backend/conv2d-nhwc.ts `fusesConv2d`).
 */
function fusedConv(name: string, depthwise: boolean): TwinmlKernelConfig {
  const config: TwinmlKernelConfig = kernel(name, (b, { x, filter, bias }, a) => {
    checkNHWC(name, a);
    let biasVector = bias;
    if (bias && bias.shape.length !== 1) biasVector = reshape(b, bias, [-1]);
    const y = conv2d(b, x!, filter!, biasVector, a, depthwise);
    if (biasVector && biasVector !== bias) b.release(biasVector);
    return activate(b, y, a.activation as string | undefined, a.leakyreluAlpha as number | undefined, true);
  });
  config.twinml = !depthwise;
  return config;
}

export function convKernels(): KernelConfig[] {
  const inputGrad = (name: string, depthwise: boolean) =>
    kernel(name, (b, { dy, filter }, a) => (checkNHWC(name, a), convInputGrad(b, dy!, filter!, a.inputShape as number[], a, depthwise)));
  const filterGrad = (name: string, depthwise: boolean) =>
    kernel(name, (b, { x, dy }, a) => (checkNHWC(name, a), convFilterGrad(b, x!, dy!, a.filterShape as number[], a, depthwise)));
  return [
    kernel('Conv2D', (b, { x, filter }, a) => (checkNHWC('Conv2D', a), conv2d(b, x!, filter!, undefined, a, false))),
    kernel('DepthwiseConv2dNative', (b, { x, filter }, a) => (checkNHWC('DepthwiseConv2dNative', a), conv2d(b, x!, filter!, undefined, a, true))),
    fusedConv('FusedConv2D', false),
    fusedConv('FusedDepthwiseConv2D', true),
    inputGrad('Conv2DBackpropInput', false),
    inputGrad('TwinmlConv2DBackpropInput', false),
    inputGrad('DepthwiseConv2dNativeBackpropInput', true),
    filterGrad('Conv2DBackpropFilter', false),
    filterGrad('TwinmlConv2DBackpropFilter', false),
    filterGrad('DepthwiseConv2dNativeBackpropFilter', true),
    kernel('MaxPool', (b, { x }, a) => maxPool(b, x!, a)),
    kernel('MaxPoolGrad', (b, { dy, input, output }, a) => maxPoolGrad(b, dy!, input!, output, a)),
    kernel('AvgPool', (b, { x }, a) => avgPool(b, x!, a)),
    kernel('AvgPoolGrad', (b, { dy, input }, a) => avgPoolGrad(b, dy!, input!, a)),
  ];
}
