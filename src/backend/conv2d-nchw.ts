/**
 * Convolution on PyTorch's NCHW activations and OIHW weights (what F.conv2d and Conv2d take). Where the active
 * backend has twinml's native NCHW convolution kernel (wasm: im2col + SIMD GEMM, src/backend/wasm/conv2d-nchw.ts)
 * and the geometry is one it covers (stride 1, one group, padding at most the dilated kernel's extent), the
 * convolution runs on NCHW with bias and ReLU in the kernel and no activation transposes; elsewhere the
 * activation is transposed to NHWC for tfjs's kernels and back (conv2d-nhwc.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dChannelsLast, type Conv2dGeometry, type FusedActivation } from './conv2d-nhwc.js';
import { reluBackward } from './relu-backward.js';
import { TWINML_CONV2D_NCHW, TWINML_CONV2D_NCHW_BACKPROP_FILTER, type Conv2dNCHWAttrs } from './wasm/conv2d-nchw.js';

/** PyTorch's OIHW weight [out, in, kh, kw] -> the native kernel's OHWI filter [out, kh, kw, in]. */
const OIHW_TO_OHWI = [0, 2, 3, 1];

/**
 * Whether the active backend runs this convolution natively on NCHW (see the file comment).
 * @param groups - the convolution's groups
 * @param g - its geometry
 * @param kernelSize - [kh, kw]
 */
export function runsConv2dNCHW(groups: number, g: Conv2dGeometry, kernelSize: readonly [number, number]): boolean {
  if (groups !== 1 || g.strides[0] !== 1 || g.strides[1] !== 1) return false;
  // the input gradient is the same kernel with the flipped filter and padding (k - 1)·d - pad on each side
  for (const axis of [0, 1]) {
    const extent = (kernelSize[axis]! - 1) * g.dilations[axis]!;
    if (g.pads[axis]![0] > extent || g.pads[axis]![1] > extent) return false;
  }
  return tf.getKernel(TWINML_CONV2D_NCHW, tf.getBackend()) !== undefined;
}

let registered = false;

/** Registers the native NCHW convolution's gradient (idempotent). */
function registerConv2dNCHWGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: TWINML_CONV2D_NCHW,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as Conv2dNCHWAttrs;
      const g = (a.activation === 'relu' ? reluBackward(dy as tf.Tensor, y) : dy) as tf.Tensor4D;
      const [co, kh, kw] = filter.shape;
      const [n, , ho, wo] = g.shape;
      return {
        x: () => {
          // dx = g convolved with the filter flipped in space and its channel axes swapped: [Ci, kh, kw, Co].
          const flipped = tf.reverse(tf.transpose(filter, [3, 1, 2, 0]), [1, 2]);
          const flip = (axis: 0 | 1, k: number): [number, number] => {
            const extent = (k - 1) * a.dilations[axis];
            return [extent - a.pads[axis][0], extent - a.pads[axis][1]];
          };
          const inputAttrs: Conv2dNCHWAttrs = { pads: [flip(0, kh), flip(1, kw)], dilations: a.dilations, activation: 'linear' };
          return tf.engine().runKernel(TWINML_CONV2D_NCHW, { x: g, filter: flipped }, inputAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        },
        filter: () => {
          const filterAttrs: Conv2dNCHWAttrs = { pads: a.pads, dilations: a.dilations, filterShape: filter.shape };
          return tf.engine().runKernel(TWINML_CONV2D_NCHW_BACKPROP_FILTER, { x, dy: g }, filterAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        },
        bias: () => tf.sum(tf.sum(tf.reshape(g, [n, co, ho * wo]), 2), 0),
      };
    },
  });
}

/**
 * activation(conv2d(x, weight) + bias) on NCHW, differentiable with respect to all three; `weight.grad` is in
 * PyTorch's layout.
 * @param x - [N, Ci, H, W]
 * @param weight - [Co, Ci/groups, kh, kw]
 * @param bias - [Co] or null
 * @param groups - groups
 * @param g - strides, dilations, explicit pads
 * @param activation - 'linear' or 'relu'
 */
export function conv2dOnNCHW(
  x: tf.Tensor4D,
  weight: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  groups: number,
  g: Conv2dGeometry,
  activation: FusedActivation = 'linear',
): tf.Tensor4D {
  return tf.tidy(() => {
    if (!runsConv2dNCHW(groups, g, [weight.shape[2], weight.shape[3]])) {
      const nhwc = tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
      return tf.transpose(conv2dChannelsLast(nhwc, weight, bias, groups, g, activation), [0, 3, 1, 2]) as tf.Tensor4D;
    }
    registerConv2dNCHWGradient();
    const filter = tf.transpose(weight, OIHW_TO_OHWI);
    const attrs: Conv2dNCHWAttrs = { pads: g.pads, dilations: g.dilations, activation };
    const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
    return tf.engine().runKernel(TWINML_CONV2D_NCHW, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  });
}
