/** A decoded 8-bit image, pixels interleaved (HWC), before any transform. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB) after decoding; alpha is dropped. */
  channels: number;
}

/**
 * Converts interleaved pixels to `channels` channels. RGB to gray uses PIL's `convert('L')` formula
 * (ITU-R 601-2 luma, L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16), as torchvision's Grayscale does on PIL images;
 * gray to RGB repeats the value.
 * @param image - the decoded image (1, 2, 3 or 4 channels; a 2nd or 4th channel is taken as alpha and dropped)
 * @param channels - 1 or 3
 */
export function convertChannels(image: RawImage, channels: number): RawImage {
  const { width, height, data } = image;
  const from = image.channels;
  const colour = from >= 3 ? 3 : 1;
  if (from === channels) return image;
  if (channels !== 1 && channels !== 3) throw new Error(`channels must be 1 or 3, got ${channels}`);
  const n = width * height;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const s = p * from;
    if (colour === 1) {
      const v = data[s]!;
      if (channels === 1) out[p] = v;
      else out.fill(v, p * 3, p * 3 + 3);
    } else if (channels === 1) {
      out[p] = (data[s]! * 19595 + data[s + 1]! * 38470 + data[s + 2]! * 7471 + 0x8000) >>> 16;
    } else {
      out[p * 3] = data[s]!;
      out[p * 3 + 1] = data[s + 1]!;
      out[p * 3 + 2] = data[s + 2]!;
    }
  }
  return { data: out, width, height, channels };
}
