/**
 * Differentiable NHWC convolutions with PyTorch's full geometry (explicit asymmetric padding, stride together
 * with dilation, groups) on every backend, and the fused convolution + bias + ReLU where a backend runs it as one
 * kernel. src/nn's Conv2d and F.conv2d hold PyTorch's NCHW activations and [out, in/groups, kh, kw] weights;
 * the layout that tfjs's convolution kernels take (NHWC, [kh, kw, in, out]) is decided here, inside the backend.
 * Dilation 1 uses tf.conv2d and tfjs's gradient kernels (on wasm: twinml's XNNPACK formulations); dilation > 1
 * (where tfjs rejects gradients, and strides with dilations) runs the Conv2D kernel directly with twinml's
 * dilation-aware gradient kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  TWINML_CONV2D_BACKPROP_FILTER,
  TWINML_CONV2D_BACKPROP_INPUT,
  registerDilatedConvGradKernels,
} from './wasm/conv2d-backprop.js';
import { registerFusedConv2DGradient } from './fused-conv2d-grad.js';
import type { TwinmlKernelConfig } from './linear-product.js';

/** A convolution's strides, dilations and explicit padding. */
export interface Conv2dGeometry {
  strides: [number, number];
  dilations: [number, number];
  /** [[top, bottom], [left, right]] */
  pads: [[number, number], [number, number]];
}

/** Activations a fused convolution or Linear applies after the bias. */
export type FusedActivation = 'linear' | 'relu';

/** PyTorch's OIHW weight [out, in/groups, kh, kw] -> tfjs's HWIO filter [kh, kw, in/groups, out]. */
export const OIHW_TO_HWIO = [2, 3, 1, 0];

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

/**
 * Whether the active backend runs a convolution with its bias and ReLU as one FusedConv2D kernel: on wasm
 * (XNNPACK applies bias and ReLU in the convolution's output pass) and on backends whose FusedConv2D is marked as
 * twinml's (torch: ATen's convolution with its bias, as PyTorch's Conv2d, then an in-place ReLU), one group,
 * dilation 1, a bias. The other backends keep tfjs's conv2d and its gradients, which also keeps the cpu backend an
 * independent reference for the fused gradient in the kernel coverage test.
 * @param groups - the convolution's groups
 * @param g - its geometry
 * @param hasBias - whether it has a bias
 */
export function fusesConv2d(groups: number, g: Conv2dGeometry, hasBias: boolean): boolean {
  const fuses = tf.getBackend() === 'wasm' || (tf.getKernel('FusedConv2D', tf.getBackend()) as TwinmlKernelConfig | undefined)?.twinml === true;
  return fuses && groups === 1 && hasBias && g.dilations[0] === 1 && g.dilations[1] === 1;
}

/**
 * activation(conv(x, weight) + bias) on NHWC activations with PyTorch's OIHW weight, differentiable with respect to
 * all three. The weight's HWIO view is a transpose recorded on the tape (a few thousand values for a CNN's filters;
 * its gradient transposes back), so `weight.grad` is in PyTorch's layout. Runs as one FusedConv2D kernel where
 * `fusesConv2d` says so, else convolution, bias add and ReLU.
 * @param x - [N, H, W, Ci]
 * @param weight - [Co, Ci/groups, kh, kw] (PyTorch's layout)
 * @param bias - [Co], or null
 * @param groups - the convolution's groups
 * @param g - strides, dilations, explicit pads
 * @param activation - 'linear' or 'relu'
 */
export function conv2dChannelsLast(
  x: tf.Tensor4D,
  weight: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  groups: number,
  g: Conv2dGeometry,
  activation: FusedActivation = 'linear',
): tf.Tensor4D {
  return tf.tidy(() => {
    const filter = tf.transpose(weight, OIHW_TO_HWIO) as tf.Tensor4D;
    if (bias && fusesConv2d(groups, g, true)) {
      registerFusedConv2DGradient();
      const attrs = { strides: g.strides, pad: explicitPad(g), dataFormat: 'NHWC', dilations: [1, 1], activation };
      return tf.engine().runKernel('FusedConv2D', { x, filter, bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    }
    const y = groupedConv2dNHWC(x, filter, groups, g);
    const biased = bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
    return activation === 'relu' ? tf.relu(biased) : biased;
  });
}
