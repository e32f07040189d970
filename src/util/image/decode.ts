/**
 * Image decoding to 8-bit pixels. JPEG, PNG, WebP, TIFF, GIF go through `sharp` (libvips, decoding on libuv's
 * thread pool, so it overlaps work on the main thread); BMP through `bmp-ts` and PBM/PGM/PPM through our Netpbm
 * decoder, since the prebuilt libvips in sharp loads neither. The format is sniffed from the bytes, not the name.
 */
import sharp from 'sharp';
import { decode as decodeBmp } from 'bmp-ts';
import { decodeNetpbm, isNetpbm } from './netpbm.js';
import { convertChannels, type RawImage } from './raw-image.js';

// Every sample is decoded once per epoch from different bytes: libvips' operation cache would only hold memory.
sharp.cache(false);

export interface DecodeOptions {
  /** Output channels: 1 (grayscale) or 3 (RGB). Default: 1 for gray sources, 3 for colour ones. */
  channels?: number;
  /** Resize to [height, width] (bilinear, antialiased when shrinking; aspect ratio not kept, like Resize((h, w))). */
  resize?: [number, number];
}

function isBmp(bytes: Uint8Array): boolean {
  return bytes.length > 14 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/**
 * Whether the encoded image is grayscale, read from the header for PNG (IHDR colour type 0 or 4) and baseline or
 * progressive JPEG (SOF component count 1); null when unknown (ask libvips).
 */
export function sniffGray(bytes: Uint8Array): boolean | null {
  if (bytes.length > 26 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[12] === 0x49 && bytes[13] === 0x48) {
    const colourType = bytes[25]!;
    return colourType === 0 || colourType === 4;
  }
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let pos = 2;
    while (pos + 9 < bytes.length && bytes[pos] === 0xff) {
      const marker = bytes[pos + 1]!;
      const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[pos + 9] === 1;
      pos += 2 + length;
    }
  }
  return null;
}

/** The pixels of a BMP or Netpbm file (decoders outside libvips), or null for formats sharp reads itself. */
function decodeOutsideSharp(bytes: Uint8Array, name: string): RawImage | null {
  if (isNetpbm(bytes)) return decodeNetpbm(bytes, name);
  if (!isBmp(bytes)) return null;
  const bmp = decodeBmp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { toRGBA: true });
  const n = bmp.width * bmp.height;
  if (!(n > 0) || bmp.data.length < n * 4) throw new Error(`${name}: BMP decoded to ${bmp.data.length} bytes for ${bmp.width}x${bmp.height}`);
  const rgb = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    rgb[p * 3] = bmp.data[p * 4]!;
    rgb[p * 3 + 1] = bmp.data[p * 4 + 1]!;
    rgb[p * 3 + 2] = bmp.data[p * 4 + 2]!;
  }
  return { data: rgb, width: bmp.width, height: bmp.height, channels: 3 };
}

/**
 * Decodes an encoded image to 8-bit interleaved (HWC) pixels, optionally resized and converted to 1 or 3 channels.
 * Throws an error that starts with `name` when the bytes are not a readable image.
 * @param bytes - the encoded file
 * @param name - file name (and row) used in error messages
 * @param options - output channels and size
 */
export async function decodeImage(bytes: Uint8Array, name: string, options: DecodeOptions = {}): Promise<RawImage> {
  let image: RawImage;
  try {
    const outside = decodeOutsideSharp(bytes, name);
    let pipeline = outside
      ? sharp(outside.data, { raw: { width: outside.width, height: outside.height, channels: outside.channels as 1 | 3 } })
      : sharp(bytes, { failOn: 'error' });
    if (options.resize) {
      const [height, width] = options.resize;
      pipeline = pipeline.resize({ width, height, fit: 'fill', kernel: 'linear' });
    }
    // libvips emits sRGB by default: keep gray sources gray (1 channel) so nothing is invented or lost.
    const gray = outside ? outside.channels === 1 : sniffGray(bytes) ?? ((await pipeline.metadata()).channels ?? 3) <= 2;
    if (gray) pipeline = pipeline.toColourspace('b-w');
    const { data, info } = await pipeline.removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    image = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.startsWith(name) ? message : `${name}: cannot decode image: ${message}`);
  }
  const channels = options.channels ?? (image.channels >= 3 ? 3 : 1);
  return convertChannels(image, channels);
}
