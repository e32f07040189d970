/**
 * Seeded transforms, applied in torchvision's usual order:
 *   decode (channels = Grayscale/RGB, resize = Resize((h, w))) -> CenterCrop -> RandomCrop(size, padding)
 *   -> RandomHorizontalFlip(p) -> ToTensor scaling -> Normalize(mean, std).
 * Output is a Float32Array in C,H,W order. Random draws for the sample at position `position` of epoch `epoch`
 * come from Rng.derive(seed, `augment:<epoch>:<position>`), so augmentation is reproducible from the seed,
 * independent of decode concurrency, and resumable mid-epoch.
 * The evaluation transform (random parts removed) is expressible as the model card's Preprocessing.
 */
import { Rng } from '../util/rng.js';
import type { Normalization, Preprocessing } from '../util/model-card.js';
import type { DecodeOptions } from './image-decode.js';
import type { RawSample } from './source.js';
import { normalizeInto } from './loader.js';

/** Decoding and augmentation of one sample (resize, channels, crop, flip, scaling, normalisation). */
export interface TransformConfig {
  /** Decode to 1 channel (grayscale, PIL luma) or 3 (RGB). */
  channels?: number;
  /** Resize to [height, width] while decoding. */
  resize?: [number, number];
  /** CenterCrop to [height, width]. */
  centerCrop?: [number, number];
  /** RandomCrop to `size` after zero-padding each side by `padding` (torchvision RandomCrop(size, padding, fill=0)). */
  randomCrop?: { size: [number, number]; padding?: number };
  /** RandomHorizontalFlip probability. */
  horizontalFlip?: number;
  /** Multiply values by this (ToTensor: 1/255 for 8-bit images). Default 1/255 for images, 1 for vectors. */
  scale?: number;
  /** (x - mean[c]) / std[c] per channel. */
  normalize?: Normalization;
}

/** A C,H,W float image. */
export interface Chw {
  data: Float32Array;
  c: number;
  h: number;
  w: number;
}

/** Python's round() (half to even), as torchvision uses for the center-crop offset. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Crops [top, top+h) x [left, left+w) out of `img`; pixels outside the image are 0 (padding). */
export function crop(img: Chw, top: number, left: number, h: number, w: number): Chw {
  const out = new Float32Array(img.c * h * w);
  // The part of each output row that lies inside the image, copied as one block.
  const x0 = Math.max(0, -left);
  const x1 = Math.min(w, img.w - left);
  if (x1 > x0) {
    for (let c = 0; c < img.c; c++) {
      for (let y = Math.max(0, -top); y < Math.min(h, img.h - top); y++) {
        const src = (c * img.h + top + y) * img.w + left;
        out.set(img.data.subarray(src + x0, src + x1), (c * h + y) * w + x0);
      }
    }
  }
  return { data: out, c: img.c, h, w };
}

/** torchvision CenterCrop (crop must fit in the image). */
export function centerCrop(img: Chw, h: number, w: number): Chw {
  if (h > img.h || w > img.w) throw new Error(`centerCrop: crop ${h}x${w} is larger than the image ${img.h}x${img.w}`);
  return crop(img, roundHalfEven((img.h - h) / 2), roundHalfEven((img.w - w) / 2), h, w);
}

/** torchvision RandomCrop(size, padding): pad by `padding` with zeros, then a uniform crop position. */
export function randomCrop(img: Chw, h: number, w: number, padding: number, rng: Rng): Chw {
  const ph = img.h + 2 * padding;
  const pw = img.w + 2 * padding;
  if (h > ph || w > pw) throw new Error(`randomCrop: crop ${h}x${w} is larger than the padded image ${ph}x${pw}`);
  const top = rng.randint(ph - h + 1);
  const left = rng.randint(pw - w + 1);
  return crop(img, top - padding, left - padding, h, w);
}

/** Mirrors each row (in place). */
export function horizontalFlip(img: Chw): Chw {
  const { data, w } = img;
  for (let row = 0; row < img.c * img.h; row++) data.subarray(row * w, (row + 1) * w).reverse();
  return img;
}

/** Converts interleaved 8-bit pixels to C,H,W floats (unscaled). */
function hwcToChw(data: Uint8Array, h: number, w: number, c: number): Chw {
  const out = new Float32Array(c * h * w);
  const n = h * w;
  for (let p = 0; p < n; p++) for (let k = 0; k < c; k++) out[k * n + p] = data[p * c + k]!;
  return { data: out, c, h, w };
}

function vectorToChw(data: Float32Array, shape: number[]): Chw | null {
  if (shape.length !== 3) return null;
  return { data: Float32Array.from(data), c: shape[0]!, h: shape[1]!, w: shape[2]! };
}

/** The decode options a transform config asks for. */
export function decodeOptions(config: TransformConfig): DecodeOptions {
  return { ...(config.channels ? { channels: config.channels } : {}), ...(config.resize ? { resize: config.resize } : {}) };
}

/** The same config without its random parts (for validation and inference). */
export function evalTransform(config: TransformConfig): TransformConfig {
  const { randomCrop: rc, horizontalFlip: _flip, ...rest } = config;
  if (!rc || rest.centerCrop) return rest;
  return { ...rest, centerCrop: rc.size };
}

/** The model card's Preprocessing for the evaluation transform of `config` on image inputs. */
export function preprocessingOf(config: TransformConfig, isImage: boolean): Preprocessing {
  const e = evalTransform(config);
  return {
    ...(e.channels ? { channels: e.channels } : {}),
    ...(e.resize ? { resize: e.resize } : {}),
    ...(e.centerCrop ? { centerCrop: e.centerCrop } : {}),
    scale: e.scale ?? (isImage ? 1 / 255 : 1),
    ...(e.normalize ? { normalize: e.normalize } : {}),
  };
}

export interface TransformContext {
  seed: number;
  epoch: number;
  /** Position of the sample in the epoch's order. */
  position: number;
}

/**
 * Applies `config` to a read sample and returns the features and their shape.
 * @param sample - an image or vector from a SampleSource
 * @param config - the transform
 * @param ctx - seed, epoch and position for the random parts
 */
export function applyTransform(sample: RawSample, config: TransformConfig, ctx: TransformContext): { data: Float32Array; shape: number[] } {
  let img: Chw | null;
  let scale = config.scale;
  if (sample.kind === 'image') {
    const { image } = sample;
    img = hwcToChw(image.data, image.height, image.width, image.channels);
    scale ??= 1 / 255;
  } else {
    img = vectorToChw(sample.data, sample.shape);
    scale ??= 1;
    const spatial = config.centerCrop || config.randomCrop || config.horizontalFlip;
    if (!img) {
      if (spatial) throw new Error(`transform: crops and flips need C,H,W samples, got shape [${sample.shape.join(', ')}]`);
      const data = Float32Array.from(sample.data, (v) => v * scale!);
      if (config.normalize) normalizeInto(data, sample.shape, config.normalize);
      return { data, shape: sample.shape };
    }
  }
  if (config.centerCrop) img = centerCrop(img, ...config.centerCrop);
  const needsRng = config.randomCrop || (config.horizontalFlip ?? 0) > 0;
  const rng = needsRng ? Rng.derive(ctx.seed, `augment:${ctx.epoch}:${ctx.position}`) : null;
  if (config.randomCrop) img = randomCrop(img, ...config.randomCrop.size, config.randomCrop.padding ?? 0, rng!);
  if (config.horizontalFlip && rng!.random() < config.horizontalFlip) img = horizontalFlip(img);
  const { data } = img;
  const per = img.h * img.w;
  // ToTensor scaling and Normalize in one pass: (x * scale - mean[c]) / std[c].
  for (let c = 0; c < img.c; c++) {
    const mean = config.normalize ? config.normalize.mean[c] ?? config.normalize.mean[0]! : 0;
    const std = config.normalize ? config.normalize.std[c] ?? config.normalize.std[0]! : 1;
    if (scale === 1 && mean === 0 && std === 1) continue;
    for (let i = c * per; i < (c + 1) * per; i++) data[i] = (data[i]! * scale - mean) / std;
  }
  return { data, shape: [img.c, img.h, img.w] };
}
