/**
 * Mirrors torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
 * bias=True, padding_mode='zeros'). Input and output are NCHW and the weight is PyTorch's
 * [out, in/groups, kh, kw] (stored, exposed and in `.grad`); `forward` is F.conv2d.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { biasBound, kaimingUniformBound, uniform } from './init.js';
import { assertNCHW, pair } from './layout.js';
import { conv2dChannelsLast, conv2dNCHW, convGeometry, runsConv2dNCHW, type Conv2dGeometry, type Conv2dPadding, type FusedActivation } from './conv-functional.js';

export type { Conv2dPadding };

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
    this.weight = new Parameter(uniform(torchShape, kaimingUniformBound(torchShape)));
    this.bias = options.bias === false ? null : new Parameter(uniform([outChannels], biasBound(torchShape)));
  }

  /** Explicit [[top, bottom], [left, right]] padding with PyTorch's rules ('same': extra on bottom/right). */
  get pads(): [[number, number], [number, number]] {
    return convGeometry('Conv2d', this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation }).pads;
  }

  /** Strides, dilations and `pads`: what both forward paths run with. */
  get geometry(): Conv2dGeometry {
    return { strides: this.stride, dilations: this.dilation, pads: this.pads };
  }

  /**
   * The convolution on a channels-last tensor, optionally followed by ReLU (what `Sequential` runs for a chain
   * of layers that all take NHWC; see sequential.ts). Same kernels as `forward`, without its two transposes.
   * @param x - [N, H, W, in_channels]
   * @param activation - 'relu' applies what a following ReLU module would
   */
  forwardChannelsLast(x: tf.Tensor4D, activation: FusedActivation = 'linear'): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) throw new Error(`Conv2d: expected ${this.inChannels} input channels, got shape [${x.shape.join(', ')}] (NHWC)`);
    return conv2dChannelsLast(x, this.weight.variable as tf.Tensor4D, this.bias ? (this.bias.variable as tf.Tensor1D) : null, this.groups, this.geometry, activation);
  }

  /** Whether the active backend runs this convolution natively on NCHW (no activation transposes; src/backend decides). */
  runsOnNCHW(): boolean {
    return runsConv2dNCHW(this.groups, this.geometry, this.kernelSize);
  }

  /**
   * `forward`, optionally followed by ReLU in the same kernel where the backend fuses it (what `Sequential` runs
   * for a Conv2d directly followed by a ReLU).
   * @param x - [N, in_channels, H, W]
   * @param activation - 'relu' applies what a following ReLU module would
   */
  forwardFused(x: tf.Tensor, activation: FusedActivation): tf.Tensor {
    assertNCHW(x, 'Conv2d', this.inChannels);
    // F.conv2d's computation (conv2dNCHW) with this module's geometry.
    return conv2dNCHW(x as tf.Tensor4D, this.weight.variable as tf.Tensor4D, this.bias ? (this.bias.variable as tf.Tensor1D) : null, this.groups, this.geometry, activation);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardFused(x, 'linear');
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
