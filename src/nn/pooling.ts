/**
 * Mirrors torch.nn.MaxPool2d, AvgPool2d and AdaptiveAvgPool2d on NCHW inputs; `forward` is F.max_pool2d,
 * F.avg_pool2d and F.adaptive_avg_pool2d (pooling-functional.ts has the geometry and the kernels).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { assertNCHW, pair } from './layout.js';
import {
  adaptiveMatrix,
  avgPool2dChannelsLast,
  avgPoolDivisors,
  maxPool2dChannelsLast,
  maxPoolRunsOnNCHW,
  poolGeometry,
  pooledSize,
  type PoolGeometry,
} from './pooling-functional.js';
import { adaptive_avg_pool2d, avg_pool2d, max_pool2d } from './functional/layers.js';

export { adaptiveMatrix, pooledSize };

export interface MaxPool2dOptions {
  /** Default: kernel_size. */
  stride?: number | [number, number];
  padding?: number | [number, number];
  ceilMode?: boolean;
}

const show = (p: [number, number]) => (p[0] === p[1] ? `${p[0]}` : `(${p.join(', ')})`);

export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: number | [number, number], options: MaxPool2dOptions = {}) {
    super();
    const g = poolGeometry('MaxPool2d', kernelSize, options);
    this.kernelSize = g.kernel;
    this.stride = g.stride;
    this.padding = g.padding;
    this.ceilMode = g.ceilMode;
  }

  private get geometry(): PoolGeometry {
    return { kernel: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode };
  }

  /** The pooling on a channels-last tensor [N, H, W, C] (for `Sequential`'s channels-last runs). */
  forwardChannelsLast(x: tf.Tensor4D): tf.Tensor4D {
    return maxPool2dChannelsLast(x, this.geometry);
  }

  /** Whether the active backend pools this window natively on NCHW (src/backend decides). */
  runsOnNCHW(): boolean {
    return maxPoolRunsOnNCHW(this.geometry);
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'MaxPool2d');
    return max_pool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=1, ceil_mode=${this.ceilMode ? 'True' : 'False'}`;
  }
}

export interface AvgPool2dOptions extends MaxPool2dOptions {
  /** Count the zero padding in the divisor (PyTorch's default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number | null;
}

export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: number | [number, number], options: AvgPool2dOptions = {}) {
    super();
    const g = poolGeometry('AvgPool2d', kernelSize, options);
    this.kernelSize = g.kernel;
    this.stride = g.stride;
    this.padding = g.padding;
    this.ceilMode = g.ceilMode;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
    if (this.divisorOverride !== null && !(this.divisorOverride !== 0 && Number.isFinite(this.divisorOverride))) {
      throw new Error(`AvgPool2d: divisor_override must be a non-zero number, got ${this.divisorOverride}`);
    }
  }

  private get geometry(): PoolGeometry {
    return { kernel: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode };
  }

  /** PyTorch's divisor of every output window (avg_pool2d: padding counts, the ceil overhang does not). */
  divisors(h: number, w: number, out: [number, number]): Float32Array {
    return avgPoolDivisors(this.geometry, this.countIncludePad, this.divisorOverride, h, w, out);
  }

  /** The pooling on a channels-last tensor [N, H, W, C] (for `Sequential`'s channels-last runs). */
  forwardChannelsLast(x: tf.Tensor4D): tf.Tensor4D {
    return avgPool2dChannelsLast(x, this.geometry, this.countIncludePad, this.divisorOverride);
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'AvgPool2d');
    return avg_pool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      ...(this.divisorOverride === null ? {} : { divisorOverride: this.divisorOverride }),
    });
  }

  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  /** [h, w]; null keeps that input size. */
  readonly outputSize: [number | null, number | null];

  constructor(outputSize: number | [number | null, number | null]) {
    super();
    const p: [number | null, number | null] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
    if (p.some((v) => v !== null && (!Number.isInteger(v) || v < 1))) {
      throw new Error(`AdaptiveAvgPool2d: output_size must be positive integers or null, got ${JSON.stringify(outputSize)}`);
    }
    this.outputSize = p;
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'AdaptiveAvgPool2d');
    const [, , h, w] = x.shape as [number, number, number, number];
    return adaptive_avg_pool2d(x, pair([this.outputSize[0] ?? h, this.outputSize[1] ?? w], 'AdaptiveAvgPool2d: output_size'));
  }

  override extraRepr(): string {
    const s = (v: number | null) => (v === null ? 'None' : String(v));
    return `output_size=${this.outputSize[0] === this.outputSize[1] ? s(this.outputSize[0]) : `(${this.outputSize.map(s).join(', ')})`}`;
  }
}
