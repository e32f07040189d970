import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openParquetDataset, shardSplit } from '../../src/data/parquet-hf.js';
import { openDataset } from '../../src/data/open.js';
import { materialize, SkippedSamples, streamBatches } from '../../src/data/stream.js';
import { digitIndices, digitPixels, encodeDigit, tempDir, writeHfParquet } from './fixtures.js';

/** Three train shards of digits 3 (label 0, "three") and 8 (label 1, "eight") plus one test shard. */
async function writeShards(root: string, names: string[] | null): Promise<{ labels: number[]; indices: number[] }> {
  mkdirSync(join(root, 'data'), { recursive: true });
  const threes = digitIndices(3, 6);
  const eights = digitIndices(8, 3);
  const indices = [...threes, ...eights];
  const labels = [...threes.map(() => 0), ...eights.map(() => 1)];
  const pngs = await Promise.all(indices.map((i) => encodeDigit(i, 'png')));
  for (let s = 0; s < 3; s++) {
    const rows = [s, s + 3, s + 6];
    writeHfParquet(join(root, 'data', `train-0000${s}-of-00003.parquet`), rows.map((r) => pngs[r]!), rows.map((r) => labels[r]!), names);
  }
  const testIdx = [digitIndices(3, 1, 10)[0]!, digitIndices(8, 1, 10)[0]!];
  writeHfParquet(join(root, 'data', 'test-00000-of-00001.parquet'), await Promise.all(testIdx.map((i) => encodeDigit(i, 'png'))), [0, 1], names);
  const order = [0, 3, 6, 1, 4, 7, 2, 5, 8];
  return { labels: order.map((r) => labels[r]!), indices: order.map((r) => indices[r]!) };
}

describe('Parquet in the Hugging Face layout', () => {
  it('reads several shards as one dataset, class names from the huggingface metadata, test shards as validation', async () => {
    const root = tempDir('parquet');
    const expected = await writeShards(root, ['three', 'eight']);
    const splits = await openParquetDataset(root);
    expect(splits.train.classes).toEqual(['three', 'eight']);
    expect([...splits.train.labels]).toEqual(expected.labels);
    expect(splits.train.ref(4)).toEqual({ file: join(root, 'data', 'train-00001-of-00003.parquet'), row: 1 });
    expect([...splits.val!.labels]).toEqual([0, 1]);
    const ds = await materialize(splits.train, {});
    expect(ds.sampleShape).toEqual([1, 28, 28]);
    expected.indices.forEach((mnistIndex, i) => {
      const px = digitPixels(mnistIndex);
      expect(ds.x.subarray(i * 784, (i + 1) * 784).every((v, k) => Math.abs(v - px[k]! / 255) < 1e-7)).toBe(true);
    });
    expect((await openDataset(join(root, 'data', 'train-00000-of-00003.parquet'))).train.labels.length).toBe(3);
  });

  it('takes classes from the label values when there is no ClassLabel metadata', async () => {
    const root = tempDir('parquet-nometa');
    await writeShards(root, null);
    const splits = await openParquetDataset(root);
    expect(splits.train.classes).toEqual(['0', '1']);
  });

  it('names a truncated shard; skip-bad lists it and reads the rest', async () => {
    const root = tempDir('parquet-truncated');
    await writeShards(root, ['three', 'eight']);
    const shard = join(root, 'data', 'train-00001-of-00003.parquet');
    const bytes = readFileSync(shard);
    writeFileSync(shard, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(openParquetDataset(root)).rejects.toThrow(new RegExp(`^${shard}: not a readable Parquet file`));
    const splits = await openParquetDataset(root, { skipBad: true });
    expect(splits.skipped.map((s) => s.file)).toEqual([shard]);
    expect(splits.train.labels.length).toBe(6);
  });

  it('names the file and row of an undecodable image', async () => {
    const root = tempDir('parquet-badrow');
    const good = await encodeDigit(digitIndices(5, 1)[0]!, 'png');
    const file = join(root, 'train.parquet');
    writeHfParquet(file, [good, new Uint8Array([1, 2, 3, 4]), good], [0, 1, 0], ['five', 'other']);
    const src = (await openParquetDataset(file)).train;
    const order = Int32Array.from([0, 1, 2]);
    const run = async (skipped?: SkippedSamples) => {
      let n = 0;
      for await (const b of streamBatches(src, { order, batchSize: 3, transform: {}, seed: 0, epoch: 0, ...(skipped ? { skipped } : {}) })) n += b.y.length;
      return n;
    };
    await expect(run()).rejects.toThrow(`${file} row 1: cannot decode image`);
    const skipped = new SkippedSamples();
    expect(await run(skipped)).toBe(2);
    expect(skipped.list()).toMatchObject([{ file, row: 1 }]);
  });

  it('derives the split from shard names and folders', () => {
    expect(shardSplit('/d/data/train-00000-of-00003.parquet')).toBe('train');
    expect(shardSplit('/d/data/validation-00000-of-00001.parquet')).toBe('validation');
    expect(shardSplit('/d/default/test/0000.parquet')).toBe('test');
    expect(shardSplit('/d/mine.parquet')).toBe('train');
  });
});
