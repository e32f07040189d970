/**
 * A gradient for tfjs's FusedConv2D kernel (convolution + bias + activation in one kernel; XNNPACK on wasm),
 * which tfjs itself only differentiates through `tf.fused.conv2d`'s customGrad, a closure that always
 * computes the input gradient, even for a network's first layer. Registered here per kernel, each input's
 * gradient is computed only when the backward pass needs it. Supports dilation 1 and the 'linear' and
 * 'relu' activations; ReLU's mask runs as one kernel (`TwinmlReluBackward`) where a backend has it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { fusedActivation, reluBackward } from './relu-backward.js';


interface FusedConv2DAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
}

function isOne(d: number | [number, number] | undefined): boolean {
  return d === undefined || (typeof d === 'number' ? d === 1 : d[0] === 1 && d[1] === 1);
}

let registered = false;

/** Registers the FusedConv2D gradient (idempotent). */
export function registerFusedConv2DGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const a = attrs as unknown as FusedConv2DAttrs;
      const activation = fusedActivation(a.activation, 'FusedConv2D');
      if (!isOne(a.dilations)) throw new Error(`twinml FusedConv2D gradient: dilations must be 1, got ${JSON.stringify(a.dilations)}`);
      if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') throw new Error(`twinml FusedConv2D gradient: dataFormat must be 'NHWC', got '${a.dataFormat}'`);
      const dyIn = dy as tf.Tensor4D;
      const g = activation === 'relu' ? (reluBackward(dyIn, y) as tf.Tensor4D) : dyIn;
      const common = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dimRoundingMode: a.dimRoundingMode };
      return {
        x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter }, { ...common, inputShape: x.shape } as unknown as NamedAttrMap) as tf.Tensor,
        filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, { ...common, filterShape: filter.shape } as unknown as NamedAttrMap) as tf.Tensor,
        bias: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}
