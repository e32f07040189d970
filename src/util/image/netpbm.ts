/**
 * A minimal Netpbm decoder (PBM/PGM/PPM, plain P1-P3 and binary P4-P6), because the prebuilt libvips in `sharp`
 * has no PPM/PGM loader. Follows the format definitions at netpbm.sourceforge.net/doc (pbm, pgm, ppm):
 * a header of whitespace-separated ASCII fields (magic, width, height, and maxval except for PBM) with `#` comments,
 * then the raster; binary samples are 1 byte when maxval < 256 and 2 bytes big-endian otherwise. Samples are
 * rescaled to 0..255; PBM bit 1 is black. PAM (P7) and multi-image files are not supported.
 */
import type { RawImage } from './raw-image.js';

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
}

/** Reads ASCII integer fields, skipping whitespace and comments. */
class HeaderReader {
  pos = 2;
  constructor(private readonly bytes: Uint8Array, private readonly name: string) {}

  int(field: string): number {
    const b = this.bytes;
    for (;;) {
      while (this.pos < b.length && isSpace(b[this.pos]!)) this.pos++;
      if (b[this.pos] !== 0x23) break; // '#': comment to end of line
      while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
    }
    const start = this.pos;
    while (this.pos < b.length && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x39) this.pos++;
    if (start === this.pos) throw new Error(`${this.name}: netpbm ${field} is not a number at byte ${start}`);
    return Number(new TextDecoder().decode(b.subarray(start, this.pos)));
  }

  /** One plain-PBM bit ('0' or '1', whitespace optional between them). */
  bit(): number {
    const b = this.bytes;
    while (this.pos < b.length && (isSpace(b[this.pos]!) || b[this.pos] === 0x23)) {
      if (b[this.pos] === 0x23) while (this.pos < b.length && b[this.pos] !== 0x0a) this.pos++;
      else this.pos++;
    }
    const c = b[this.pos++];
    if (c !== 0x30 && c !== 0x31) throw new Error(`${this.name}: netpbm raster ended early or holds a non-bit at byte ${this.pos - 1}`);
    return c - 0x30;
  }
}

/** True when the bytes start with a Netpbm magic number P1..P6. */
export function isNetpbm(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x50 && bytes[1]! >= 0x31 && bytes[1]! <= 0x36 && isSpace(bytes[2]!);
}

/**
 * Decodes a PBM, PGM or PPM image to 8-bit interleaved pixels (1 channel for PBM/PGM, 3 for PPM).
 * @param bytes - the whole file
 * @param name - the file name, for error messages
 */
export function decodeNetpbm(bytes: Uint8Array, name: string): RawImage {
  if (!isNetpbm(bytes)) throw new Error(`${name}: not a Netpbm file (expected magic P1-P6)`);
  const kind = bytes[1]! - 0x30;
  const r = new HeaderReader(bytes, name);
  const width = r.int('width');
  const height = r.int('height');
  const bitmap = kind === 1 || kind === 4;
  const maxval = bitmap ? 1 : r.int('maxval');
  if (width <= 0 || height <= 0) throw new Error(`${name}: netpbm size ${width}x${height} is empty`);
  if (maxval <= 0 || maxval > 65535) throw new Error(`${name}: netpbm maxval ${maxval} must be in 1..65535`);
  const channels = kind === 3 || kind === 6 ? 3 : 1;
  const count = width * height * channels;
  const data = new Uint8Array(count);
  const rescale = (v: number, i: number): number => {
    if (v > maxval) throw new Error(`${name}: netpbm sample ${v} at index ${i} exceeds maxval ${maxval}`);
    return Math.round((v * 255) / maxval);
  };
  if (kind <= 3) {
    for (let i = 0; i < count; i++) data[i] = bitmap ? (r.bit() ? 0 : 255) : rescale(r.int('sample'), i);
    return { data, width, height, channels };
  }
  let pos = r.pos + 1; // exactly one whitespace byte separates the header from a binary raster
  if (kind === 4) {
    const rowBytes = Math.ceil(width / 8);
    if (pos + rowBytes * height > bytes.length) throw new Error(`${name}: netpbm raster is truncated`);
    for (let y = 0; y < height; y++, pos += rowBytes) {
      for (let x = 0; x < width; x++) data[y * width + x] = (bytes[pos + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 0 : 255;
    }
    return { data, width, height, channels };
  }
  const wide = maxval > 255;
  if (pos + count * (wide ? 2 : 1) > bytes.length) throw new Error(`${name}: netpbm raster is truncated`);
  for (let i = 0; i < count; i++) {
    const v = wide ? (bytes[pos]! << 8) | bytes[pos + 1]! : bytes[pos]!;
    pos += wide ? 2 : 1;
    data[i] = rescale(v, i);
  }
  return { data, width, height, channels };
}
