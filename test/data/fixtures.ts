/** Small real datasets written on the fly from MNIST digits: image folders, HF-layout Parquet shards, CSV. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { loadMnistRaw } from '../../src/data/mnist.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `twinml-${prefix}-`));
}

/** Indices of the first `n` samples of `digit` (the package stores digits grouped). */
export function digitIndices(digit: number, n: number, skip = 0): number[] {
  const { y } = loadMnistRaw();
  const out: number[] = [];
  for (let i = 0; i < y.length && out.length < n + skip; i++) if (y[i] === digit) out.push(i);
  return out.slice(skip);
}

/** 8-bit pixels of MNIST sample `index` (28x28, 1 channel). */
export function digitPixels(index: number): Uint8Array {
  const { x } = loadMnistRaw();
  return Uint8Array.from(x.subarray(index * 784, (index + 1) * 784), (v) => Math.round(v * 255));
}

/** Encodes MNIST sample `index` as PNG or JPEG, optionally scaled to `size` and as RGB. */
export async function encodeDigit(index: number, format: 'png' | 'jpeg', options: { size?: number; rgb?: boolean } = {}): Promise<Buffer> {
  let img = sharp(digitPixels(index), { raw: { width: 28, height: 28, channels: 1 } });
  if (options.size && options.size !== 28) img = img.resize(options.size, options.size);
  img = img.toColourspace(options.rgb ? 'srgb' : 'b-w');
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
}

export interface FolderSpec {
  /** class name -> MNIST indices */
  classes: Record<string, number[]>;
  format?: 'png' | 'jpeg';
  /** Put every other image into a nested sub-folder (recursive discovery). */
  nested?: boolean;
  size?: number;
  rgb?: boolean;
}

/** Writes root/<class>/[sub/]<i>.<ext> and returns the file paths per class. */
export async function writeImageFolder(root: string, spec: FolderSpec): Promise<Record<string, string[]>> {
  const format = spec.format ?? 'png';
  const out: Record<string, string[]> = {};
  for (const [name, indices] of Object.entries(spec.classes)) {
    out[name] = [];
    for (const [k, index] of indices.entries()) {
      const dir = spec.nested && k % 2 === 1 ? join(root, name, 'sub') : join(root, name);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${String(k).padStart(4, '0')}.${format === 'png' ? 'png' : 'jpg'}`);
      writeFileSync(file, await encodeDigit(index, format, { ...(spec.size ? { size: spec.size } : {}), ...(spec.rgb ? { rgb: true } : {}) }));
      out[name].push(file);
    }
  }
  return out;
}

/** The `huggingface` schema metadata value of an image classification dataset. */
export function hfMetadata(names: string[]): string {
  return JSON.stringify({ info: { features: { image: { _type: 'Image' }, label: { names, _type: 'ClassLabel' } } } });
}

/**
 * Writes one Parquet shard in the Hugging Face datasets layout: image struct {bytes, path}, int64 label,
 * ClassLabel names in the `huggingface` metadata.
 */
export function writeHfParquet(file: string, images: Uint8Array[], labels: number[], names: string[] | null): void {
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'image', data: images.map((bytes, i) => ({ bytes, path: `${i}.png` })) },
      { name: 'label', data: labels.map((l) => BigInt(l)) },
    ],
    schema: [
      { name: 'schema', num_children: 2 },
      { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
    ...(names ? { kvMetadata: [{ key: 'huggingface', value: hfMetadata(names) }] } : {}),
  });
  writeFileSync(file, new Uint8Array(buf));
}
