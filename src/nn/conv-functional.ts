/**
 * Differentiable NHWC convolution with PyTorch's full geometry (explicit asymmetric padding, stride together
 * with dilation, groups) on every backend. Dilation 1 uses tf.conv2d and tfjs's gradient kernels (on wasm:
 * twinml's XNNPACK formulations); dilation > 1 (where tfjs rejects gradients, and strides with dilations) runs
 * the Conv2D kernel directly with twinml's dilation-aware gradient kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  TWINML_CONV2D_BACKPROP_FILTER,
  TWINML_CONV2D_BACKPROP_INPUT,
  registerDilatedConvGradKernels,
} from '../backend/wasm/conv2d-backprop.js';
import { registerFusedConv2DGradient } from '../backend/fused-conv2d-grad.js';

export interface Conv2dGeometry {
  strides: [number, number];
  dilations: [number, number];
  /** [[top, bottom], [left, right]] */
  pads: [[number, number], [number, number]];
}

function explicitPad(g: Conv2dGeometry): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], g.pads[0], g.pads[1], [0, 0]];
}

/** A single-group convolution: x [N, H, W, Ci], filter [kh, kw, Ci, Co] -> [N, Ho, Wo, Co]. */
export function conv2dNHWC(x: tf.Tensor4D, filter: tf.Tensor4D, g: Conv2dGeometry): tf.Tensor4D {
  if (g.dilations[0] === 1 && g.dilations[1] === 1) return tf.conv2d(x, filter, g.strides, explicitPad(g), 'NHWC');
  registerDilatedConvGradKernels(tf.getBackend());
  const attrs = { strides: g.strides, pad: explicitPad(g), dataFormat: 'NHWC', dilations: g.dilations };
  const run = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([input, w]);
    const value = tf.engine().runKernel('Conv2D', { x: input, filter: w }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedX, savedW] = saved as [tf.Tensor, tf.Tensor];
      return [
        tf.engine().runKernel(TWINML_CONV2D_BACKPROP_INPUT, { dy, filter: savedW }, { ...attrs, inputShape: savedX.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        tf.engine().runKernel(TWINML_CONV2D_BACKPROP_FILTER, { x: savedX, dy }, { ...attrs, filterShape: savedW.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      ];
    };
    return { value, gradFunc };
  }) as Parameters<typeof tf.customGrad>[0]);
  return run(x, filter) as tf.Tensor4D;
}

/**
 * A grouped convolution: x [N, H, W, Ci], filter [kh, kw, Ci/groups, Co] -> [N, Ho, Wo, Co], output channel o in
 * group floor(o / (Co/groups)) as in PyTorch. Depthwise (groups == Ci, dilation 1, equal strides) runs as one
 * depthwise convolution; other groupings run one convolution per group.
 */
export function groupedConv2dNHWC(x: tf.Tensor4D, filter: tf.Tensor4D, groups: number, g: Conv2dGeometry): tf.Tensor4D {
  if (groups === 1) return conv2dNHWC(x, filter, g);
  const [kh, kw, perGroup, co] = filter.shape;
  const ci = x.shape[3];
  const dilated = g.dilations[0] !== 1 || g.dilations[1] !== 1;
  if (groups === ci && perGroup === 1 && !dilated && g.strides[0] === g.strides[1]) {
    const depthwise = tf.reshape(filter, [kh, kw, ci, co / ci]) as tf.Tensor4D;
    return tf.depthwiseConv2d(x, depthwise, g.strides, explicitPad(g), 'NHWC');
  }
  const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
  const fs = tf.split(filter, groups, 3) as tf.Tensor4D[];
  return tf.concat(xs.map((xi, i) => conv2dNHWC(xi, fs[i]!, g)), 3) as tf.Tensor4D;
}

/** Activations the fused convolution applies after the bias. */
export type FusedActivation = 'linear' | 'relu';

/**
 * activation(conv(x, filter) + bias) as one FusedConv2D kernel (XNNPACK on wasm: bias and ReLU ride in the
 * convolution's output pass), differentiable through twinml's FusedConv2D gradient. Single group and
 * dilation 1 only (see `canFuseConv2d`).
 * @param x - [N, H, W, Ci]
 * @param filter - [kh, kw, Ci, Co]
 * @param bias - [Co]
 * @param activation - 'linear' or 'relu'
 * @param g - strides and explicit pads (dilations must be 1)
 */
export function fusedConv2dNHWC(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, activation: FusedActivation, g: Conv2dGeometry): tf.Tensor4D {
  if (g.dilations[0] !== 1 || g.dilations[1] !== 1) throw new Error(`fusedConv2dNHWC: dilations must be 1, got ${g.dilations.join(', ')}`);
  registerFusedConv2DGradient();
  const attrs = { strides: g.strides, pad: explicitPad(g), dataFormat: 'NHWC', dilations: [1, 1], activation };
  return tf.engine().runKernel('FusedConv2D', { x, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * Whether a convolution runs as `fusedConv2dNHWC`: on the wasm backend (where it saves the separate bias and
 * ReLU passes; the other backends keep tfjs's own conv2d and its gradients, which also makes the cpu backend an
 * independent reference for the fused gradient in the kernel coverage test), one group, dilation 1, a bias.
 * @param groups - the convolution's groups
 * @param g - its geometry
 * @param hasBias - whether it has a bias
 */
export function canFuseConv2d(groups: number, g: Conv2dGeometry, hasBias: boolean): boolean {
  return tf.getBackend() === 'wasm' && groups === 1 && hasBias && g.dilations[0] === 1 && g.dilations[1] === 1;
}
