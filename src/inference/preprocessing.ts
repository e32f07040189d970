/**
 * The card's evaluation transform without tfjs, with the same implementation training uses (src/util/image):
 * sharp/libvips decoding with channel conversion and resize (decodeImage), then center crop, scale and per-channel
 * normalize (transformChw), producing an NCHW float32 tensor. An image gives bit for bit the tensor the training
 * run's evaluation transform gives.
 */
import { readFile } from 'node:fs/promises';
import { decodeImage } from '../util/image/decode.js';
import { hwcToChw, transformChw } from '../util/image/transform.js';
import type { Preprocessing } from '../util/model-card.js';

export { decodeImage, type DecodeOptions } from '../util/image/decode.js';
export type { RawImage } from '../util/image/raw-image.js';

/** Whether bytes start with a PNG or JPEG signature. */
export function isEncodedImage(bytes: Uint8Array): boolean {
  const png = bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const jpg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  return png || jpg;
}

/**
 * Applies scale then normalize in place, per entry of axis 1: channels of NCHW images, features of [N, D] tables.
 * @param data - Values, modified in place.
 * @param shape - Their shape; axis 1 is the channel (or feature) axis.
 * @param pre - The card's preprocessing.
 */
export function scaleAndNormalize(data: Float32Array | Float64Array, shape: number[], pre: Preprocessing): void {
  const scale = pre.scale ?? 1;
  const mean = pre.normalize?.mean ?? [0];
  const std = pre.normalize?.std ?? [1];
  const channels = mean.length;
  if (channels > 1 && (shape.length < 2 || shape[1] !== channels)) {
    throw new Error(`normalize has ${channels} entries but the input shape [${shape.join(', ')}] does not have ${channels} on axis 1 ([N, ${channels}, ...])`);
  }
  const plane = channels > 1 ? shape.slice(2).reduce((a, b) => a * b, 1) : data.length;
  for (let i = 0; i < data.length; i++) {
    const c = channels > 1 ? Math.floor(i / plane) % channels : 0;
    data[i] = (data[i]! * scale - mean[c]!) / std[c]!;
  }
}

/**
 * Decodes and preprocesses one image into a [1, C, H, W] float32 tensor, exactly as training's evaluation
 * transform does (channels and resize while decoding, then center crop, scale, normalize).
 * @param source - Image path or encoded bytes (PNG, JPEG, WebP, TIFF, GIF, BMP, PBM/PGM/PPM).
 * @param pre - The card's preprocessing. Without `channels`, gray images give 1 channel and colour ones 3, as in
 *   training; without `scale`, values are multiplied by 1 (the card written by training always has it).
 */
export async function imageToTensor(source: string | Uint8Array, pre: Preprocessing): Promise<{ data: Float32Array; shape: number[] }> {
  const name = typeof source === 'string' ? source : 'image bytes';
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  const image = await decodeImage(bytes, name, {
    ...(pre.channels ? { channels: pre.channels } : {}),
    ...(pre.resize ? { resize: pre.resize } : {}),
  });
  const chw = hwcToChw(image.data, image.height, image.width, image.channels);
  const { data, shape } = transformChw(
    chw,
    { ...(pre.centerCrop ? { centerCrop: pre.centerCrop } : {}), scale: pre.scale ?? 1, ...(pre.normalize ? { normalize: pre.normalize } : {}) },
    null,
  );
  return { data, shape: [1, ...shape] };
}
