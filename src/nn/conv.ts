/**
 * Mirrors torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
 * bias=True, padding_mode='zeros'). Input and output are NCHW like PyTorch; the weight is stored as tfjs's
 * [kh, kw, in/groups, out] and exposed to state_dicts as PyTorch's [out, in/groups, kh, kw].
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { biasBound, kaimingUniformBound, uniform } from './init.js';
import { assertNCHW, pair, toNCHW, toNHWC } from './layout.js';
import { canFuseConv2d, fusedConv2dNHWC, groupedConv2dNHWC, type Conv2dGeometry, type FusedActivation } from './conv-functional.js';

export type Conv2dPadding = number | [number, number] | 'same' | 'valid';

export interface Conv2dOptions {
  stride?: number | [number, number];
  /** An int or [h, w] (both sides), 'valid' (none) or 'same' (stride 1 only; the extra pad goes bottom/right). */
  padding?: Conv2dPadding;
  dilation?: number | [number, number];
  groups?: number;
  bias?: boolean;
  /** Only 'zeros' is supported. */
  paddingMode?: 'zeros';
}

const TORCH_TO_HWIO = [2, 3, 1, 0];
const HWIO_TO_TORCH = [3, 2, 0, 1];

export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode = 'zeros';
  weight: Parameter;
  bias: Parameter | null;

  /**
   * @param inChannels - channels of the input
   * @param outChannels - channels produced
   * @param kernelSize - int or [kh, kw]
   * @param options - stride, padding, dilation, groups, bias, paddingMode (PyTorch's defaults)
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: Conv2dOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new Error(`Conv2d: groups must be a positive integer, got ${groups}`);
    if (!Number.isInteger(inChannels) || inChannels < 1 || inChannels % groups !== 0) {
      throw new Error(`Conv2d: in_channels (${inChannels}) must be a positive integer divisible by groups (${groups})`);
    }
    if (!Number.isInteger(outChannels) || outChannels < 1 || outChannels % groups !== 0) {
      throw new Error(`Conv2d: out_channels (${outChannels}) must be a positive integer divisible by groups (${groups})`);
    }
    if (options.paddingMode !== undefined && options.paddingMode !== 'zeros') {
      throw new Error(`Conv2d: padding_mode '${options.paddingMode as string}' is not supported; choose 'zeros'`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, 'Conv2d: kernel_size');
    this.stride = pair(options.stride ?? 1, 'Conv2d: stride');
    this.dilation = pair(options.dilation ?? 1, 'Conv2d: dilation');
    this.groups = groups;
    const padding = options.padding ?? 0;
    if (padding === 'same' || padding === 'valid') this.padding = padding;
    else if (typeof padding === 'string') throw new Error(`Conv2d: padding '${padding as string}' is invalid; choose 'same', 'valid', an int or [h, w]`);
    else this.padding = pair(padding, 'Conv2d: padding', 0);
    if (this.padding === 'same' && (this.stride[0] !== 1 || this.stride[1] !== 1)) {
      throw new Error("Conv2d: padding='same' is not supported for strided convolutions");
    }
    const torchShape = [outChannels, inChannels / groups, ...this.kernelSize];
    const w = tf.tidy(() => tf.transpose(uniform(torchShape, kaimingUniformBound(torchShape)), TORCH_TO_HWIO));
    this.weight = new Parameter(w);
    this.bias = options.bias === false ? null : new Parameter(uniform([outChannels], biasBound(torchShape)));
  }

  /** Explicit [[top, bottom], [left, right]] padding with PyTorch's rules ('same': extra on bottom/right). */
  get pads(): [[number, number], [number, number]] {
    if (this.padding === 'valid') return [[0, 0], [0, 0]];
    if (this.padding === 'same') {
      return [0, 1].map((i) => {
        const total = this.dilation[i]! * (this.kernelSize[i]! - 1);
        const before = Math.floor(total / 2);
        return [before, total - before];
      }) as [[number, number], [number, number]];
    }
    const [ph, pw] = this.padding;
    return [[ph, ph], [pw, pw]];
  }

  get geometry(): Conv2dGeometry {
    return { strides: this.stride, dilations: this.dilation, pads: this.pads };
  }

  /**
   * The convolution on an NHWC tensor (for models that stay in NHWC between layers), optionally followed by
   * a ReLU; with a bias, one group and dilation 1 it runs as one fused kernel.
   * @param x - [N, H, W, in_channels]
   * @param activation - 'relu' applies ReLU to the result (what a following ReLU module would do)
   */
  forwardNHWC(x: tf.Tensor4D, activation: FusedActivation = 'linear'): tf.Tensor4D {
    return tf.tidy(() => {
      const g = this.geometry;
      if (this.bias && canFuseConv2d(this.groups, g, true)) {
        return fusedConv2dNHWC(x, this.weight.variable as tf.Tensor4D, this.bias.variable as tf.Tensor1D, activation, g);
      }
      const y = groupedConv2dNHWC(x, this.weight.variable as tf.Tensor4D, this.groups, g);
      const biased = this.bias ? (tf.add(y, this.bias.variable) as tf.Tensor4D) : y;
      return activation === 'relu' ? tf.relu(biased) : biased;
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'Conv2d', this.inChannels);
    return tf.tidy(() => toNCHW(this.forwardNHWC(toNHWC(x))));
  }

  override toTorchLayout(name: string, value: tf.Tensor): tf.Tensor {
    return name === 'weight' ? tf.transpose(value, HWIO_TO_TORCH) : value.clone();
  }

  override fromTorchLayout(name: string, value: tf.Tensor): tf.Tensor {
    return name === 'weight' ? tf.transpose(value, TORCH_TO_HWIO) : value.clone();
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize.join(', ')}), stride=(${this.stride.join(', ')})`];
    if (this.padding !== 'valid' && !(Array.isArray(this.padding) && this.padding[0] === 0 && this.padding[1] === 0)) {
      parts.push(typeof this.padding === 'string' ? `padding=${this.padding}` : `padding=(${this.padding.join(', ')})`);
    }
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=(${this.dilation.join(', ')})`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=False');
    return parts.join(', ');
  }
}
