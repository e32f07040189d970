/**
 * The image half of the transforms, shared by training (src/data/transforms.ts) and inference
 * (src/inference/preprocessing.ts) so that both turn decoded pixels into exactly the same tensor:
 * CenterCrop -> RandomCrop(size, padding) -> RandomHorizontalFlip(p) -> ToTensor scaling -> Normalize(mean, std),
 * on C,H,W floats. No tfjs and no onnxruntime here.
 */
import type { Normalization } from '../model-card.js';
import type { Rng } from '../rng.js';

/** The spatial and value steps applied to a decoded image (the decode step does channels and resize). */
export interface ImageTransform {
  /** CenterCrop to [height, width]. */
  centerCrop?: [number, number];
  /** RandomCrop to `size` after zero-padding each side by `padding` (torchvision RandomCrop(size, padding, fill=0)). */
  randomCrop?: { size: [number, number]; padding?: number };
  /** RandomHorizontalFlip probability. */
  horizontalFlip?: number;
  /** Multiply values by this (ToTensor: 1/255 for 8-bit images). */
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
export function hwcToChw(data: Uint8Array, h: number, w: number, c: number): Chw {
  const out = new Float32Array(c * h * w);
  const n = h * w;
  for (let p = 0; p < n; p++) for (let k = 0; k < c; k++) out[k * n + p] = data[p * c + k]!;
  return { data: out, c, h, w };
}

/**
 * Applies the crops, the flip, scaling and normalization to a C,H,W image, in torchvision's order.
 * @param image - C,H,W floats (modified in place or replaced).
 * @param config - The steps; `scale` defaults to 1/255 (8-bit pixels).
 * @param rng - The sample's generator, needed only when config has a random crop or flip.
 */
export function transformChw(image: Chw, config: ImageTransform, rng: Rng | null): { data: Float32Array; shape: number[] } {
  let img = image;
  const scale = config.scale ?? 1 / 255;
  if (config.centerCrop) img = centerCrop(img, ...config.centerCrop);
  if ((config.randomCrop || (config.horizontalFlip ?? 0) > 0) && !rng) throw new Error('transform: a random crop or flip needs a generator');
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
