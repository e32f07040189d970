import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { encode as encodeBmp } from 'bmp-ts';
import { decodeImage } from '../../src/util/image/decode.js';
import { decodeNetpbm } from '../../src/util/image/netpbm.js';
import { convertChannels } from '../../src/util/image/raw-image.js';
import { digitIndices, digitPixels, encodeDigit } from './fixtures.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('netpbm decoder', () => {
  it('reads plain and binary PGM with comments, maxval rescaling and 16-bit samples', () => {
    const plain = decodeNetpbm(ascii('P2\n# a comment\n3 2\n# another\n4\n0 1 2\n3 4 4\n'), 'a.pgm');
    expect([plain.width, plain.height, plain.channels]).toEqual([3, 2, 1]);
    expect([...plain.data]).toEqual([0, 64, 128, 191, 255, 255]); // round(v*255/4)
    const header = ascii('P5 2 1 65535\n');
    const wide = new Uint8Array([...header, 0x00, 0x00, 0xff, 0xff]);
    expect([...decodeNetpbm(wide, 'b.pgm').data]).toEqual([0, 255]);
  });

  it('reads PPM (P3, P6) as RGB and PBM (P1, P4) with 1 = black', () => {
    expect([...decodeNetpbm(ascii('P3 1 1 255 10 20 30'), 'c.ppm').data]).toEqual([10, 20, 30]);
    const p6 = new Uint8Array([...ascii('P6 2 1 255\n'), 1, 2, 3, 4, 5, 6]);
    expect(decodeNetpbm(p6, 'd.ppm')).toMatchObject({ width: 2, height: 1, channels: 3 });
    expect([...decodeNetpbm(p6, 'd.ppm').data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...decodeNetpbm(ascii('P1 3 1 101'), 'e.pbm').data]).toEqual([0, 255, 0]);
    // 10 pixels wide: 2 bytes per row, bits 1010000001 -> black white black ... black
    const p4 = new Uint8Array([...ascii('P4 10 1\n'), 0b10100000, 0b01000000]);
    expect([...decodeNetpbm(p4, 'f.pbm').data]).toEqual([0, 255, 0, 255, 255, 255, 255, 255, 255, 0]);
  });

  it('names the file when the raster is truncated', () => {
    expect(() => decodeNetpbm(new Uint8Array([...ascii('P5 4 4 255\n'), 1, 2]), 'short.pgm')).toThrow(/short\.pgm: netpbm raster is truncated/);
  });
});

describe('decodeImage', () => {
  const index = digitIndices(3, 1)[0]!;
  const pixels = digitPixels(index);

  it('decodes a PNG written from an MNIST digit back to the same pixels', async () => {
    const img = await decodeImage(await encodeDigit(index, 'png'), 'digit.png');
    expect([img.width, img.height, img.channels]).toEqual([28, 28, 1]);
    expect(Buffer.from(img.data).equals(Buffer.from(pixels))).toBe(true);
  });

  it('decodes JPEG close to the source pixels and PGM/PPM/BMP exactly', async () => {
    const jpeg = await decodeImage(await encodeDigit(index, 'jpeg'), 'digit.jpg');
    const meanAbs = jpeg.data.reduce((a, v, i) => a + Math.abs(v - pixels[i]!), 0) / pixels.length;
    expect(meanAbs).toBeLessThan(6);
    expect(meanAbs).toBeGreaterThan(0); // lossy: not the PNG path by accident
    const pgm = new Uint8Array([...ascii('P5 28 28 255\n'), ...pixels]);
    expect(Buffer.from((await decodeImage(pgm, 'digit.pgm')).data).equals(Buffer.from(pixels))).toBe(true);
    const rgb = Uint8Array.from({ length: 28 * 28 * 3 }, (_, i) => pixels[Math.floor(i / 3)]!);
    const ppm = await decodeImage(new Uint8Array([...ascii('P6 28 28 255\n'), ...rgb]), 'digit.ppm');
    expect(ppm.channels).toBe(3);
    expect(Buffer.from(ppm.data).equals(Buffer.from(rgb))).toBe(true);
    // bmp-ts encodes ABGR byte order
    const abgr = Buffer.alloc(28 * 28 * 4);
    pixels.forEach((v, p) => abgr.set([255, v, v, v], p * 4));
    const bmp = encodeBmp({ width: 28, height: 28, data: abgr, bitPP: 24 }).data;
    const fromBmp = await decodeImage(bmp, 'digit.bmp', { channels: 1 });
    expect(Buffer.from(fromBmp.data).equals(Buffer.from(pixels))).toBe(true);
  });

  it('resizes to [h, w] and converts channels with the PIL luma formula', async () => {
    const small = await decodeImage(await encodeDigit(index, 'png'), 'digit.png', { resize: [14, 7] });
    expect([small.height, small.width]).toEqual([14, 7]);
    const rgbImage = { data: new Uint8Array([200, 100, 50, 0, 0, 255]), width: 2, height: 1, channels: 3 };
    const gray = convertChannels(rgbImage, 1);
    // L = R*299/1000 + G*587/1000 + B*114/1000, rounded: 200*.299 + 100*.587 + 50*.114 = 124.2 -> 124; 255*.114 = 29.07 -> 29
    expect([...gray.data]).toEqual([124, 29]);
    expect([...convertChannels(gray, 3).data]).toEqual([124, 124, 124, 29, 29, 29]);
    const rgba = await sharp({ create: { width: 1, height: 1, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 0.5 } } }).png().toBuffer();
    expect([...(await decodeImage(rgba, 'alpha.png')).data]).toEqual([200, 100, 50]);
  });

  it('names the file for a corrupt image', async () => {
    const png = await encodeDigit(index, 'png');
    await expect(decodeImage(png.subarray(0, 60), 'broken.png')).rejects.toThrow(/^broken\.png: cannot decode image/);
    await expect(decodeImage(new Uint8Array([1, 2, 3]), 'noise.jpg')).rejects.toThrow(/^noise\.jpg: cannot decode image/);
  });
});

describe('sniffGray', () => {
  it('reads the colour type of PNG and the component count of JPEG headers', async () => {
    const { sniffGray } = await import('../../src/util/image/decode.js');
    const index = digitIndices(2, 1)[0]!;
    expect(sniffGray(await encodeDigit(index, 'png'))).toBe(true);
    expect(sniffGray(await encodeDigit(index, 'png', { rgb: true }))).toBe(false);
    expect(sniffGray(await encodeDigit(index, 'jpeg'))).toBe(true);
    expect(sniffGray(await encodeDigit(index, 'jpeg', { rgb: true }))).toBe(false);
    expect(sniffGray(new Uint8Array([1, 2, 3]))).toBeNull();
  });
});
