import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadTrainingData } from '../../src/data/training-data.js';
import { tempDir } from './fixtures.js';

async function solid(file: string, r: number, g: number, b: number): Promise<void> {
  writeFileSync(file, await sharp({ create: { width: 4, height: 4, channels: 3, background: { r, g, b } } }).png().toBuffer());
}

describe('loadTrainingData', () => {
  it('splits a folder without train/val stratified, estimates per-channel mean/std, records the eval preprocessing', async () => {
    const root = tempDir('training-data');
    for (const [name, colour] of [['red', [255, 0, 51]], ['green', [0, 255, 51]]] as const) {
      mkdirSync(join(root, name));
      for (let i = 0; i < 10; i++) await solid(join(root, name, `${i}.png`), colour[0], colour[1], colour[2]);
    }
    const data = await loadTrainingData({ data: root, valFraction: 0.2, splitSeed: 4, augment: { horizontalFlip: 0.5 } });
    expect(data.kind).toBe('image-folder');
    expect(data.classes).toEqual(['green', 'red']);
    expect([...data.val.y].sort()).toEqual([0, 0, 1, 1]);
    expect(data.train.labels.length).toBe(16);
    expect(data.sampleShape).toEqual([3, 4, 4]);
    // 8 red + 8 green training images: R and G are 0 or 1 half the time (mean 0.5, std 0.5); B is 0.2 always (std 0 -> 1).
    expect(data.normalization).toEqual({ mean: [0.5, 0.5, 0.2], std: [0.5, 0.5, 1] });
    expect(data.val.x[0]).toBeOneOf([0, 1]); // validation is kept unnormalised; the Trainer normalises it
    expect(data.trainTransform).toEqual({ horizontalFlip: 0.5, normalize: data.normalization });
    expect(data.preprocessing).toEqual({ channels: 3, resize: [4, 4], scale: 1 / 255, normalize: data.normalization });
  });

  it('rejects an unknown dataset spec and a path of an unknown kind, listing the choices', async () => {
    await expect(loadTrainingData({ dataset: 'cifar10', valFraction: 0.2, splitSeed: 0 })).rejects.toThrow(/choose mnist, mnist-binary:<digit>/);
    const file = join(tempDir('training-data-kind'), 'x.txt');
    writeFileSync(file, 'hello');
    await expect(loadTrainingData({ data: file, valFraction: 0.2, splitSeed: 0 })).rejects.toThrow(`--data: ${file} is not a folder, a .parquet file or a .csv file`);
  });
});
