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
import { hwcToChw, transformChw, type Chw, type ImageTransform } from '../util/image/transform.js';
import type { Preprocessing } from '../util/model-card.js';
import type { DecodeOptions } from '../util/image/decode.js';
import type { RawSample } from './source.js';
import { normalizeInto } from './loader.js';

export { centerCrop, crop, horizontalFlip, randomCrop, type Chw } from '../util/image/transform.js';

/** The decode steps (channels, resize) plus the image steps of ImageTransform. */
export interface TransformConfig extends ImageTransform {
  /** Decode to 1 channel (grayscale, PIL luma) or 3 (RGB). */
  channels?: number;
  /** Resize to [height, width] while decoding. */
  resize?: [number, number];
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
  const needsRng = config.randomCrop || (config.horizontalFlip ?? 0) > 0;
  const rng = needsRng ? Rng.derive(ctx.seed, `augment:${ctx.epoch}:${ctx.position}`) : null;
  return transformChw(img, { ...config, scale }, rng);
}
