/**
 * No train/serve skew: for PNG and JPEG images of sizes other than the model's (gray and RGB, with resize and
 * centre crop), the tensor `twinml/inference` builds (imageToTensor, which classify uses) equals the training
 * evaluation transform's tensor (decodeImage with decodeOptions + applyTransform of evalTransform) bit for bit.
 * The images are written with pngjs and jpeg-js, encoders other than the decoder (sharp/libvips).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/util/image/decode.js';
import { applyTransform, decodeOptions, evalTransform, preprocessingOf, type TransformConfig } from '../../src/data/transforms.js';
import { imageToTensor } from '../../src/inference/index.js';

/** Smooth gradients plus a seeded speckle, so resizing and chroma subsampling have something to get wrong. */
function pixels(width: number, height: number, seed: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const noise = (s >>> 24) % 40;
      const p = (y * width + x) * 4;
      rgba[p] = (x * 255) / width + noise * 0.5;
      rgba[p + 1] = (y * 255) / height;
      rgba[p + 2] = ((x + y) * 7 + noise) % 256;
      rgba[p + 3] = 255;
    }
  }
  return rgba;
}

function encodePng(width: number, height: number, gray: boolean, seed: number): Buffer {
  const png = new PNG({ width, height, colorType: gray ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(pixels(width, height, seed));
  return PNG.sync.write(png, { colorType: gray ? 0 : 2, inputColorType: 6, inputHasAlpha: true });
}

function encodeJpeg(width: number, height: number, seed: number): Buffer {
  return jpeg.encode({ data: Buffer.from(pixels(width, height, seed)), width, height }, 88).data;
}

interface Case {
  name: string;
  bytes: () => Buffer;
  config: TransformConfig;
}

const norm1 = { mean: [0.1307], std: [0.3081] };
const norm3 = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const cases: Case[] = [
  { name: 'gray PNG 37x23 -> resize 32x32 -> crop 28x28', bytes: () => encodePng(37, 23, true, 1), config: { channels: 1, resize: [32, 32], centerCrop: [28, 28], normalize: norm1 } },
  { name: 'gray PNG 45x61 -> RGB, resize 40x36 -> crop 31x29', bytes: () => encodePng(45, 61, true, 2), config: { channels: 3, resize: [40, 36], centerCrop: [31, 29], normalize: norm3 } },
  { name: 'RGB PNG 80x80, no resize -> crop 64x64', bytes: () => encodePng(80, 80, false, 3), config: { channels: 3, centerCrop: [64, 64], normalize: norm3 } },
  { name: 'RGB PNG 50x70 -> gray, resize 28x28 (shrink)', bytes: () => encodePng(50, 70, false, 4), config: { channels: 1, resize: [28, 28], normalize: norm1 } },
  { name: 'RGB JPEG 80x80, no resize, no crop', bytes: () => encodeJpeg(80, 80, 5), config: { channels: 3, normalize: norm3 } },
  { name: 'RGB JPEG 33x47 -> resize 64x64 (enlarge) -> crop 57x60', bytes: () => encodeJpeg(33, 47, 6), config: { channels: 3, resize: [64, 64], centerCrop: [57, 60], normalize: norm3 } },
  { name: 'RGB JPEG 120x90 -> gray, resize 30x30 -> crop 28x28', bytes: () => encodeJpeg(120, 90, 7), config: { channels: 1, resize: [30, 30], centerCrop: [28, 28], normalize: norm1 } },
  { name: 'RGB JPEG 64x48, random crop + flip in training (eval: centre crop)', bytes: () => encodeJpeg(64, 48, 8), config: { channels: 3, randomCrop: { size: [40, 40], padding: 2 }, horizontalFlip: 0.5, normalize: norm3 } },
];

function bytesOf(data: Float32Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

describe('one preprocessing for training and serving', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinml-skew-'));
  for (const c of cases) {
    it(`${c.name}: twinml/inference's tensor equals the training eval transform's, bit for bit`, async () => {
      const bytes = c.bytes();
      const evalConfig = evalTransform(c.config);
      const image = await decodeImage(bytes, c.name, decodeOptions(evalConfig));
      const training = applyTransform({ kind: 'image', image }, evalConfig, { seed: 0, epoch: 0, position: 0 });

      const card = preprocessingOf(c.config, true);
      const path = join(dir, `${c.name.replace(/\W+/g, '-')}.${c.name.includes('JPEG') ? 'jpg' : 'png'}`);
      writeFileSync(path, bytes);
      const fromPath = await imageToTensor(path, card);
      const fromBytes = await imageToTensor(new Uint8Array(bytes), card);

      expect(fromPath.shape).toEqual([1, ...training.shape]);
      const differing = fromPath.data.reduce((n, v, i) => n + (Object.is(v, training.data[i]) ? 0 : 1), 0);
      expect(differing).toBe(0);
      expect(bytesOf(fromPath.data).equals(bytesOf(training.data))).toBe(true);
      expect(bytesOf(fromBytes.data).equals(bytesOf(training.data))).toBe(true);
    });
  }
});
