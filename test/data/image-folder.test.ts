import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageFolder, imageFolderSplits } from '../../src/data/image-folder.js';
import { materialize, SkippedSamples, streamBatches } from '../../src/data/stream.js';
import { digitIndices, digitPixels, tempDir, writeImageFolder } from './fixtures.js';

describe('image folders (torchvision ImageFolder conventions)', () => {
  it('finds classes sorted, files recursively in make_dataset order, extensions case-insensitively', async () => {
    const root = tempDir('imgfolder');
    const files = await writeImageFolder(root, { classes: { seven: digitIndices(7, 3), one: digitIndices(1, 2) }, nested: true });
    renameSync(files.seven![2]!, join(root, 'seven', 'UPPER.PNG'));
    writeFileSync(join(root, 'seven', 'notes.txt'), 'not an image');
    const src = imageFolder(root);
    expect(src.classes).toEqual(['one', 'seven']);
    expect([...src.labels]).toEqual([0, 0, 1, 1, 1]);
    // seven/: 0000.png, UPPER.PNG sorted by code point ('0' < 'U'), then seven/sub/0001.png
    expect([0, 1, 2, 3, 4].map((i) => src.ref(i).file.slice(root.length + 1))).toEqual([
      'one/0000.png', 'one/sub/0001.png', 'seven/0000.png', 'seven/UPPER.PNG', 'seven/sub/0001.png',
    ]);
    const ds = await materialize(src, {});
    expect(ds.sampleShape).toEqual([1, 28, 28]);
    const expected = digitPixels(digitIndices(7, 3)[2]!);
    expect(ds.x.subarray(3 * 784, 4 * 784).every((v, i) => Math.abs(v - expected[i]! / 255) < 1e-7)).toBe(true);
  });

  it('rejects an empty class folder and a root without class folders, naming them', async () => {
    const root = tempDir('imgfolder-empty');
    await writeImageFolder(root, { classes: { a: digitIndices(0, 1) } });
    mkdirSync(join(root, 'b'));
    writeFileSync(join(root, 'b', 'readme.md'), '');
    expect(() => imageFolder(root)).toThrow(new RegExp(`no image in class folder\\(s\\) ${join(root, 'b')}`));
    expect(() => imageFolder(join(root, 'a'))).toThrow(/has no class folders/);
  });

  it('uses train/ and test/ (or val/) sub-roots as the split, with the training classes', async () => {
    const root = tempDir('imgfolder-split');
    await writeImageFolder(join(root, 'train'), { classes: { a: digitIndices(0, 2), b: digitIndices(1, 2) } });
    await writeImageFolder(join(root, 'test'), { classes: { b: digitIndices(1, 1, 5) } });
    const splits = imageFolderSplits(root);
    expect(splits.train.labels.length).toBe(4);
    expect(splits.val!.classes).toEqual(['a', 'b']);
    expect([...splits.val!.labels]).toEqual([1]);
    await writeImageFolder(join(root, 'val'), { classes: { a: digitIndices(0, 1, 7) } });
    const both = imageFolderSplits(root);
    expect([...both.val!.labels]).toEqual([0]);
    expect([...both.test!.labels]).toEqual([1]);
  });

  it('fails on a corrupt .png naming the file; skip-bad skips, counts and lists it', async () => {
    const root = tempDir('imgfolder-corrupt');
    const files = await writeImageFolder(root, { classes: { a: digitIndices(0, 3), b: digitIndices(1, 3) } });
    const bad = files.b![1]!;
    writeFileSync(bad, Buffer.from('\x89PNG\r\n\x1a\n this is not a png'));
    const src = imageFolder(root);
    const order = Int32Array.from({ length: 6 }, (_, i) => i);
    const drain = async (skipped?: SkippedSamples): Promise<number> => {
      let n = 0;
      for await (const b of streamBatches(src, { order, batchSize: 4, transform: {}, seed: 1, epoch: 0, ...(skipped ? { skipped } : {}) })) n += b.y.length;
      return n;
    };
    await expect(drain()).rejects.toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot decode image`));
    const skipped = new SkippedSamples();
    expect(await drain(skipped)).toBe(5);
    expect(skipped.count).toBe(1);
    expect(skipped.list()[0]!.file).toBe(bad);
    expect(skipped.toText()).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\t`));
    expect(await drain(skipped)).toBe(5); // a known bad sample is not retried
    expect(skipped.count).toBe(1);
  });
});
