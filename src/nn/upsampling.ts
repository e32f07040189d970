/**
 * Mirrors torch.nn.Upsample (and UpsamplingNearest2d, UpsamplingBilinear2d), torch.nn.PixelShuffle and
 * torch.nn.PixelUnshuffle on NCHW inputs; the computations are F.interpolate, F.pixel_shuffle and
 * F.pixel_unshuffle (src/nn/functional/interpolate.ts, pixel-shuffle.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { interpolate, type InterpolateMode } from './functional/interpolate.js';
import { pixel_shuffle, pixel_unshuffle } from './functional/pixel-shuffle.js';
import { pyFloat } from './python-repr.js';

/** nn.Upsample's keyword arguments (give exactly one of size and scaleFactor). */
export interface UpsampleOptions {
  /** Output spatial size: an int or one per spatial axis. */
  size?: number | number[];
  /** Multiplier of the spatial size: a number or one per spatial axis. */
  scaleFactor?: number | number[];
  /** 'nearest' (default), 'nearest-exact', 'linear' (3-D) or 'bilinear' (4-D). */
  mode?: InterpolateMode;
  /** Linear modes only (default false). */
  alignCorners?: boolean;
  /** Compute the source scale from the sizes instead of 1/scale_factor (default false). */
  recomputeScaleFactor?: boolean;
}

const pyTuple = (values: number[], show: (v: number) => string): string => `(${values.map(show).join(', ')}${values.length === 1 ? ',' : ''})`;

/** torch.nn.Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None). */
export class Upsample extends Module {
  readonly size: number | number[] | null;
  readonly scaleFactor: number | number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;

  /** @param options - size or scaleFactor, mode, alignCorners, recomputeScaleFactor */
  constructor(options: UpsampleOptions = {}) {
    super();
    this.size = options.size ?? null;
    this.scaleFactor = options.scaleFactor ?? null;
    this.mode = options.mode ?? 'nearest';
    this.alignCorners = options.alignCorners ?? null;
    this.recomputeScaleFactor = options.recomputeScaleFactor ?? null;
  }

  /** @param x - [N, C, L] or [N, C, H, W] */
  forward(x: tf.Tensor): tf.Tensor {
    return interpolate(x, {
      size: this.size ?? undefined,
      scaleFactor: this.scaleFactor ?? undefined,
      mode: this.mode,
      alignCorners: this.alignCorners ?? undefined,
      recomputeScaleFactor: this.recomputeScaleFactor ?? undefined,
    });
  }

  override extraRepr(): string {
    let info: string;
    if (this.scaleFactor !== null) info = `scale_factor=${Array.isArray(this.scaleFactor) ? pyTuple(this.scaleFactor, pyFloat) : pyFloat(this.scaleFactor)}`;
    else info = `size=${Array.isArray(this.size) ? pyTuple(this.size, String) : String(this.size)}`;
    return `${info}, mode='${this.mode}'`;
  }
}

/** torch.nn.UpsamplingNearest2d(size=None, scale_factor=None): Upsample with mode 'nearest'. */
export class UpsamplingNearest2d extends Upsample {
  /** @param options - size or scaleFactor */
  constructor(options: Pick<UpsampleOptions, 'size' | 'scaleFactor'> = {}) {
    super({ ...options, mode: 'nearest' });
  }
}

/** torch.nn.UpsamplingBilinear2d(size=None, scale_factor=None): Upsample with mode 'bilinear' and align_corners=True. */
export class UpsamplingBilinear2d extends Upsample {
  /** @param options - size or scaleFactor */
  constructor(options: Pick<UpsampleOptions, 'size' | 'scaleFactor'> = {}) {
    super({ ...options, mode: 'bilinear', alignCorners: true });
  }
}

/** torch.nn.PixelShuffle(upscale_factor): [*, C*r*r, H, W] -> [*, C, H*r, W*r]. */
export class PixelShuffle extends Module {
  /** @param upscaleFactor - r */
  constructor(readonly upscaleFactor: number) {
    super();
    if (!Number.isInteger(upscaleFactor) || upscaleFactor < 1) throw new Error(`PixelShuffle: upscale_factor must be a positive integer, got ${upscaleFactor}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return pixel_shuffle(x, this.upscaleFactor);
  }

  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/** torch.nn.PixelUnshuffle(downscale_factor): [*, C, H*r, W*r] -> [*, C*r*r, H, W]. */
export class PixelUnshuffle extends Module {
  /** @param downscaleFactor - r */
  constructor(readonly downscaleFactor: number) {
    super();
    if (!Number.isInteger(downscaleFactor) || downscaleFactor < 1) throw new Error(`PixelUnshuffle: downscale_factor must be a positive integer, got ${downscaleFactor}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return pixel_unshuffle(x, this.downscaleFactor);
  }

  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}

