/**
 * The card's evaluation transform without tfjs: image decoding (PNG/JPEG), channel conversion, bilinear resize,
 * center crop, then scale and per-channel normalize, producing an NCHW float32 tensor.
 */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Preprocessing } from '../util/model-card.js';

/** An 8-bit image, row-major HWC with `channels` values per pixel. */
export interface RawImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** Whether bytes start with a PNG or JPEG signature. */
export function isEncodedImage(bytes: Uint8Array): boolean {
  const png = bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const jpg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  return png || jpg;
}

/**
 * Decodes a PNG or JPEG to RGBA.
 * @param source - A file path or the encoded bytes.
 */
export function decodeImage(source: string | Uint8Array): RawImage {
  const bytes = typeof source === 'string' ? readFileSync(source) : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  const where = typeof source === 'string' ? source : 'image bytes';
  if (!isEncodedImage(bytes)) throw new Error(`${where}: not a PNG or JPEG image`);
  if (bytes[0] === 0x89) {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data) };
  }
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
  return { width: img.width, height: img.height, channels: 4, data: img.data };
}

/** RGBA (or any >= 3 channels) to 1 (ITU-R 601-2 luma, as PIL's convert('L')) or 3 channels, as float HWC. */
function toChannels(img: RawImage, channels: number): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  for (let p = 0; p < n; p++) {
    const r = img.data[p * img.channels]!;
    const g = img.data[p * img.channels + 1]!;
    const b = img.data[p * img.channels + 2]!;
    if (channels === 1) out[p] = (r * 299 + g * 587 + b * 114) / 1000;
    else {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    }
  }
  return out;
}

/** Bilinear resize of float HWC (half-pixel centers, no antialias). */
function resizeBilinear(src: Float32Array, h: number, w: number, c: number, outH: number, outW: number): Float32Array {
  if (h === outH && w === outW) return src;
  const out = new Float32Array(outH * outW * c);
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k]! * (1 - wx) + src[(y0 * w + x1) * c + k]! * wx;
        const b = src[(y1 * w + x0) * c + k]! * (1 - wx) + src[(y1 * w + x1) * c + k]! * wx;
        out[(y * outW + x) * c + k] = a * (1 - wy) + b * wy;
      }
    }
  }
  return out;
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
 * Decodes and preprocesses one image into a [1, C, H, W] float32 tensor.
 * @param source - Image path or encoded bytes.
 * @param pre - The card's preprocessing (channels default 3).
 */
export function imageToTensor(source: string | Uint8Array, pre: Preprocessing): { data: Float32Array; shape: number[] } {
  const img = decodeImage(source);
  const c = pre.channels ?? 3;
  let h = img.height;
  let w = img.width;
  let hwc = toChannels(img, c);
  if (pre.resize) {
    hwc = resizeBilinear(hwc, h, w, c, pre.resize[0], pre.resize[1]);
    [h, w] = pre.resize;
  }
  let top = 0;
  let left = 0;
  let outH = h;
  let outW = w;
  if (pre.centerCrop) {
    [outH, outW] = pre.centerCrop;
    if (outH > h || outW > w) throw new Error(`centerCrop ${outH}x${outW} is larger than the ${h}x${w} image`);
    top = Math.floor((h - outH) / 2);
    left = Math.floor((w - outW) / 2);
  }
  const chw = new Float32Array(c * outH * outW);
  for (let k = 0; k < c; k++) {
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) chw[(k * outH + y) * outW + x] = hwc[((y + top) * w + (x + left)) * c + k]!;
    }
  }
  const shape = [1, c, outH, outW];
  scaleAndNormalize(chw, shape, pre);
  return { data: chw, shape };
}
