/**
 * `twinml train` on datasets built on the fly: an image folder of PNGs, Hugging Face-style Parquet shards of JPEGs,
 * a CSV, a folder with a corrupt PNG (--skip-bad), and the mnist-binary imbalance warning.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { digitIndices, digitPixels, encodeDigit, tempDir, writeHfParquet, writeImageFolder } from '../data/fixtures.js';

const tmp = tempDir('train-data');
const rows = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
const base = ['--batch-size', '16', '--backend', 'wasm', '--seed', '3'];
const common = ['--model', 'mlp', '--hidden', '32', ...base];

describe('train on real dataset files', () => {
  it('trains on an image folder of PNGs with train/ and val/ sub-roots, writing the imbalance metrics and the card', async () => {
    const root = join(tmp, 'pngs');
    await writeImageFolder(join(root, 'train'), { classes: { three: digitIndices(3, 60), eight: digitIndices(8, 60) }, nested: true });
    await writeImageFolder(join(root, 'val'), { classes: { three: digitIndices(3, 30, 60), eight: digitIndices(8, 30, 60) } });
    const out = join(tmp, 'run-pngs');
    const r = runCli(['train', '--data', root, '--epochs', '6', '--out', out, ...common]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/class histogram \(120 samples, 2 classes\)/);
    expect(r.stdout).not.toMatch(/WARNING: class imbalance/);
    const last = rows(out).at(-1)!;
    expect(last.val_balanced_accuracy).toBeGreaterThan(0.85);
    expect(last).toHaveProperty('val_macro_f1');
    const cm = JSON.parse(readFileSync(join(out, 'confusion_matrix.json'), 'utf8'));
    expect(cm.classes).toEqual(['eight', 'three']);
    expect(cm.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(60);
    expect(cm.balanced_accuracy).toBeCloseTo(last.val_balanced_accuracy!, 12);
    const card = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(card.preprocessing).toMatchObject({ channels: 1, scale: 1 / 255 });
    expect(card.preprocessing.normalize.mean[0]).toBeGreaterThan(0.05);
    expect(card.labels).toEqual(['eight', 'three']);
    // `twinml predict` reads a PNG through the recorded preprocessing and agrees with the validation confusion matrix
    const threes = Array.from({ length: 5 }, (_, i) => join(root, 'val', 'three', `${String(i).padStart(4, '0')}.png`));
    let right = 0;
    for (const png of threes.slice(0, 5)) {
      const p = runCli(['predict', '--model', out, '--input', png, '--json', '--top', '1']);
      expect(p.code, p.stderr).toBe(0);
      if (JSON.parse(p.stdout).results[0].top[0].index === 1) right++;
    }
    expect(right).toBeGreaterThanOrEqual(4);
  });

  it('trains the cnn on the same PNG folder', () => {
    const out = join(tmp, 'run-pngs-cnn');
    const r = runCli(['train', '--data', join(tmp, 'pngs'), '--epochs', '4', '--no-export', '--out', out, '--model', 'cnn', ...base]);
    expect(r.code, r.stderr).toBe(0);
    expect(rows(out).at(-1)!.val_balanced_accuracy).toBeGreaterThan(0.85);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).modelConfig).toMatchObject({ inChannels: 1, imageSize: [28, 28] });
  });

  it('trains on Hugging Face Parquet shards of 128x128 RGB JPEGs resized to 28x28 gray', async () => {
    const root = join(tmp, 'parquet');
    mkdirSync(join(root, 'data'), { recursive: true });
    const zeros = digitIndices(0, 90);
    const ones = digitIndices(1, 30);
    const all = [...zeros, ...ones];
    const labels = [...zeros.map(() => 0), ...ones.map(() => 1)];
    const jpegs = await Promise.all(all.map((i) => encodeDigit(i, 'jpeg', { size: 128, rgb: true })));
    for (let s = 0; s < 3; s++) {
      const pick = all.map((_, k) => k).filter((k) => k % 3 === s);
      writeHfParquet(join(root, 'data', `train-0000${s}-of-00003.parquet`), pick.map((k) => jpegs[k]!), pick.map((k) => labels[k]!), ['zero', 'one']);
    }
    const out = join(tmp, 'run-parquet');
    const r = runCli(['train', '--data', root, '--resize', '28x28', '--channels', '1', '--balance', 'weights', '--epochs', '5', '--no-export', '--out', out, ...common]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/zero\s+72\s+75\.0%/); // 90 * 0.8 after the stratified split
    expect(rows(out).at(-1)!.val_balanced_accuracy).toBeGreaterThan(0.9);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ sampleShape: [1, 28, 28], balance: 'weights', labels: ['zero', 'one'], classCounts: [72, 24] });
    expect(config.preprocessing).toMatchObject({ channels: 1, resize: [28, 28] });
  });

  it('trains on a CSV of pooled MNIST features', () => {
    const file = join(tmp, 'pooled.csv');
    const header = [...Array.from({ length: 16 }, (_, i) => `f${i}`), 'digit'];
    const lines = [header.join(',')];
    for (const [digit, indices] of [[4, digitIndices(4, 80)], [9, digitIndices(9, 80)]] as const) {
      for (const index of indices) {
        const px = digitPixels(index);
        const pooled = Array.from({ length: 16 }, (_, k) => {
          const [by, bx] = [Math.floor(k / 4) * 7, (k % 4) * 7];
          let s = 0;
          for (let y = 0; y < 7; y++) for (let x = 0; x < 7; x++) s += px[(by + y) * 28 + bx + x]!;
          return (s / 49).toFixed(2);
        });
        lines.push([...pooled, String(digit)].join(','));
      }
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const out = join(tmp, 'run-csv');
    const r = runCli(['train', '--data', file, '--label-column', 'digit', '--epochs', '8', '--no-export', '--out', out, ...common]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/class histogram \(128 samples, 2 classes\)/);
    expect(rows(out).at(-1)!.val_balanced_accuracy).toBeGreaterThan(0.8);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.labels).toEqual(['4', '9']);
    expect(config.normalization.mean).toHaveLength(16);
  });

  it('fails on a corrupt .png naming the file; --skip-bad completes and lists it in skipped.txt', async () => {
    const root = join(tmp, 'corrupt');
    const files = await writeImageFolder(root, { classes: { a: digitIndices(2, 20), b: digitIndices(5, 20) } });
    const bad = files.b![7]!;
    writeFileSync(bad, Buffer.from('\x89PNG\r\n\x1a\nnot really'));
    const fail = runCli(['train', '--data', root, '--epochs', '1', '--no-export', '--out', join(tmp, 'run-corrupt-fail'), ...common]);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toContain(`${bad}: cannot decode image`);
    const out = join(tmp, 'run-corrupt-skip');
    const ok = runCli(['train', '--data', root, '--skip-bad', '--epochs', '2', '--no-export', '--out', out, ...common]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/skipped 1 unreadable sample/);
    const listed = readFileSync(join(out, 'skipped.txt'), 'utf8').trim().split('\n');
    expect(listed).toHaveLength(1);
    expect(listed[0]!.split('\t')[0]).toBe(bad);
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(true);
  });

  it('warns about the 9:1 imbalance of mnist-binary:0 without balancing, not with --balance oversample', () => {
    const args = ['train', '--dataset', 'mnist-binary:0', '--epochs', '1', '--no-export', ...common];
    const none = runCli([...args, '--balance', 'none', '--out', join(tmp, 'run-none')]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/WARNING: class imbalance 9\.0:1 \("not-0" 7199 vs "0" 801\)/);
    expect(rows(join(tmp, 'run-none'))[0]).toHaveProperty('val_balanced_accuracy');
    const over = runCli([...args, '--balance', 'oversample', '--out', join(tmp, 'run-over')]);
    expect(over.code, over.stderr).toBe(0);
    expect(over.stdout).not.toMatch(/WARNING/);
    expect(over.stdout).toMatch(/not-0\s+7199/);
  });
});
