/**
 * Mirrors torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
 * groups=1, bias=True, dilation=1, padding_mode='zeros'). Input and output are NCHW; the weight is PyTorch's
 * [in, out/groups, kh, kw] (stored, exposed and in `.grad`), initialised like torch (kaiming_uniform(a=√5) with
 * fan_in = out/groups * kh * kw, the bias from the same fan_in). `forward` is F.conv_transpose2d.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { biasBound, kaimingUniformBound, uniform } from './init.js';
import { assertNCHW, pair } from './layout.js';
import { convTranspose2dNCHW, convTransposeGeometry, type ConvTransposeGeometry } from './conv-transpose-functional.js';

/** nn.ConvTranspose2d's keyword arguments. */
export interface ConvTranspose2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** Extra rows/columns at the bottom/right of the output (smaller than stride or dilation). */
  outputPadding?: number | [number, number];
  groups?: number;
  bias?: boolean;
  dilation?: number | [number, number];
  /** Only 'zeros' is supported (as in PyTorch for transposed convolutions). */
  paddingMode?: 'zeros';
}

export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  weight: Parameter;
  bias: Parameter | null;

  /**
   * @param inChannels - channels of the input
   * @param outChannels - channels produced
   * @param kernelSize - int or [kh, kw]
   * @param options - stride, padding, outputPadding, groups, bias, dilation (PyTorch's defaults)
   */
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: ConvTranspose2dOptions = {}) {
    super();
    const groups = options.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1) throw new Error(`ConvTranspose2d: groups must be a positive integer, got ${groups}`);
    if (!Number.isInteger(inChannels) || inChannels < 1 || inChannels % groups !== 0) {
      throw new Error(`ConvTranspose2d: in_channels (${inChannels}) must be a positive integer divisible by groups (${groups})`);
    }
    if (!Number.isInteger(outChannels) || outChannels < 1 || outChannels % groups !== 0) {
      throw new Error(`ConvTranspose2d: out_channels (${outChannels}) must be a positive integer divisible by groups (${groups})`);
    }
    if (options.paddingMode !== undefined && options.paddingMode !== 'zeros') {
      throw new Error(`ConvTranspose2d: padding_mode '${options.paddingMode as string}' is not supported; only 'zeros'`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernelSize, 'ConvTranspose2d: kernel_size');
    const g = convTransposeGeometry('ConvTranspose2d', options);
    this.stride = g.stride;
    this.padding = g.padding;
    this.outputPadding = g.outputPadding;
    this.dilation = g.dilation;
    this.groups = groups;
    const torchShape = [inChannels, outChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(uniform(torchShape, kaimingUniformBound(torchShape)));
    this.bias = options.bias === false ? null : new Parameter(uniform([outChannels], biasBound(torchShape)));
  }

  /** The geometry with this module's output_padding, or the one that gives `outputSize` (torch's output_size argument). */
  private geometry(x: tf.Tensor, outputSize?: [number, number]): ConvTransposeGeometry {
    const base = { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, dilation: this.dilation };
    if (!outputSize) return base;
    const outputPadding = [0, 1].map((i) => {
      const min = (x.shape[2 + i]! - 1) * this.stride[i]! - 2 * this.padding[i]! + this.dilation[i]! * (this.kernelSize[i]! - 1) + 1;
      const max = min + this.stride[i]! - 1;
      if (!(outputSize[i]! >= min && outputSize[i]! <= max)) {
        throw new Error(`ConvTranspose2d: requested an output size of [${outputSize.join(', ')}], but valid sizes range from ${min} to ${max} (for an input of [${x.shape.slice(2).join(', ')}])`);
      }
      return outputSize[i]! - min;
    }) as [number, number];
    return { ...base, outputPadding };
  }

  /**
   * @param x - [N, in_channels, H, W]
   * @param outputSize - [H_out, W_out] (torch's output_size): picks the output padding that gives this size
   * @returns [N, out_channels, H_out, W_out]
   */
  forward(x: tf.Tensor, outputSize?: [number, number]): tf.Tensor {
    assertNCHW(x, 'ConvTranspose2d', this.inChannels);
    return convTranspose2dNCHW('ConvTranspose2d', x, this.weight.variable, this.bias?.variable ?? null, this.groups, this.geometry(x, outputSize));
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize.join(', ')}), stride=(${this.stride.join(', ')})`];
    if (this.padding[0] !== 0 || this.padding[1] !== 0) parts.push(`padding=(${this.padding.join(', ')})`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=(${this.dilation.join(', ')})`);
    if (this.outputPadding[0] !== 0 || this.outputPadding[1] !== 0) parts.push(`output_padding=(${this.outputPadding.join(', ')})`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (!this.bias) parts.push('bias=False');
    return parts.join(', ');
  }
}
