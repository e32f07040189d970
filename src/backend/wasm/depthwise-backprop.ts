/**
 * Depthwise convolution gradients for backends without them (tfjs-backend-wasm 4.22 has neither).
 * - input gradient: per channel multiplier m, a stride-1 depthwise convolution of the zero-dilated, re-padded
 *   dy slice with the flipped filter slice (XNNPACK runs it), summed over m;
 * - filter gradient: for every filter tap, the strided window of the padded x times dy, reduced over
 *   batch and positions with a ones-vector matmul (GEMM) instead of a strided reduction.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { KernelComposer } from './kernel-compose.js';
import { dilateAndPadForInputGrad, resolveGeometry, type ConvGeometry } from './conv2d-backprop.js';

type Pad = backend_util.ExplicitPadding | 'valid' | 'same' | number;

interface DepthwiseGradAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: number[];
  filterShape?: number[];
}

/** dx of a depthwise convolution: dy [N, Ho, Wo, C*M], filter [kh, kw, C, M] -> [N, H, W, C]. */
export function depthwiseInputGrad(c: KernelComposer, dy: TensorInfo, filter: TensorInfo, inputShape: number[], g: ConvGeometry): TensorInfo {
  const [kh, kw, ch, mult] = filter.shape as [number, number, number, number];
  const [n, ho, wo] = dy.shape as [number, number, number, number];
  const flipped = c.run('Reverse', { x: filter }, { dims: [0, 1] });
  const dy5 = mult > 1 ? c.reshape(dy, [n, ho, wo, ch, mult]) : dy;
  let sum: TensorInfo | null = null;
  for (let m = 0; m < mult; m++) {
    const dyM = mult > 1 ? c.reshape(c.run('Slice', { x: dy5 }, { begin: [0, 0, 0, 0, m], size: [n, ho, wo, ch, 1] }), [n, ho, wo, ch]) : dy;
    const fM = mult > 1 ? c.run('Slice', { x: flipped }, { begin: [0, 0, 0, m], size: [kh, kw, ch, 1] }) : flipped;
    const { x, pads } = dilateAndPadForInputGrad(c, dyM, [inputShape[1]!, inputShape[2]!], [kh, kw], g);
    const part = c.run('DepthwiseConv2dNative', { x, filter: fM }, {
      strides: [1, 1],
      pad: [[0, 0], pads[0], pads[1], [0, 0]],
      dataFormat: 'NHWC',
      dilations: g.dilations,
    });
    sum = sum ? c.run('Add', { a: sum, b: part }) : part;
  }
  return sum!;
}

/** dW of a depthwise convolution: x [N, H, W, C], dy [N, Ho, Wo, C*M] -> [kh, kw, C, M]. */
export function depthwiseFilterGrad(c: KernelComposer, x: TensorInfo, dy: TensorInfo, filterShape: number[], g: ConvGeometry): TensorInfo {
  const [n, h, w, ch] = x.shape as [number, number, number, number];
  const [, ho, wo] = dy.shape as [number, number, number, number];
  const [kh, kw, , mult] = filterShape as [number, number, number, number];
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const needH = (kh - 1) * dh + (ho - 1) * sh + 1;
  const needW = (kw - 1) * dw + (wo - 1) * sw + 1;
  const padded = c.padOrCrop(x, [[0, 0], [g.pads[0][0], needH - g.pads[0][0] - h], [g.pads[1][0], needW - g.pads[1][0] - w], [0, 0]]);
  const positions = n * ho * wo;
  const dyFlat = c.reshape(dy, [positions, ch, mult]);
  const ones = c.run('Fill', {}, { shape: [1, 1, positions], value: 1, dtype: 'float32' });
  const taps: TensorInfo[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const window = c.run('StridedSlice', { x: padded }, {
        begin: [0, i * dh, j * dw, 0],
        end: [n, i * dh + (ho - 1) * sh + 1, j * dw + (wo - 1) * sw + 1, ch],
        strides: [1, sh, sw, 1],
        beginMask: 0,
        endMask: 0,
        ellipsisMask: 0,
        newAxisMask: 0,
        shrinkAxisMask: 0,
      });
      const product = c.run('Multiply', { a: c.reshape(window, [positions, ch, 1]), b: dyFlat });
      const summed = c.run('BatchMatMul', { a: ones, b: c.reshape(product, [1, positions, ch * mult]) }, { transposeA: false, transposeB: false });
      taps.push(c.reshape(summed, [1, ch * mult]));
    }
  }
  const stacked = taps.length === 1 ? taps[0]! : c.run('Concat', taps as unknown as Record<string, TensorInfo>, { axis: 0 });
  return c.reshape(stacked, [kh, kw, ch, mult]);
}

function geometry(xShape: number[], filterShape: number[], a: DepthwiseGradAttrs): ConvGeometry {
  return resolveGeometry(xShape, filterShape, a.strides, a.dilations, a.pad, a.dimRoundingMode, true);
}

export function makeDepthwiseBackpropInput(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as DepthwiseGradAttrs;
    const inputShape = a.inputShape!;
    const c = new KernelComposer(backend as KernelBackend, backendName);
    return c.finish(depthwiseInputGrad(c, dy, filter, inputShape, geometry(inputShape, filter.shape, a)));
  };
  return { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName, kernelFunc };
}

export function makeDepthwiseBackpropFilter(backendName: string): KernelConfig {
  const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as DepthwiseGradAttrs;
    const filterShape = a.filterShape!;
    const c = new KernelComposer(backend as KernelBackend, backendName);
    return c.finish(depthwiseFilterGrad(c, x, dy, filterShape, geometry(x.shape, filterShape, a)));
  };
  return { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName, kernelFunc };
}
