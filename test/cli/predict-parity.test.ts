/**
 * Foundation acceptance: `twinml predict` (onnxruntime-node) on a trained run's model.onnx agrees with the TS
 * model's own outputs on 100 held-out digits (max abs difference <= 1e-5 on the logits).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { runCli } from '../helpers/cli.js';
import { useBackend } from '../../src/backend/index.js';
import { getZooModel } from '../../src/models/index.js';
import { loadSafetensors } from '../../src/io/safetensors.js';
import { prepareData } from '../../src/cli/train/data.js';

const runDir = join(mkdtempSync(join(tmpdir(), 'twinml-predict-')), 'run');

beforeAll(async () => {
  await useBackend('wasm');
  const r = runCli(['train', '--model', 'mlp', '--dataset', 'mnist', '--epochs', '1', '--hidden', '64', '--seed', '2', '--out', runDir, '--backend', 'wasm']);
  expect(r.code, r.stderr).toBe(0);
});

describe('twinml predict', () => {
  it('matches the TS model on 100 held-out digits (raw pixels in, the card normalises)', () => {
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    const model = getZooModel(config.model).create(config.modelConfig);
    model.loadStateDict(loadSafetensors(join(runDir, 'model.safetensors')).tensors);
    model.eval();
    const data = prepareData(config.dataset, config.split.valFraction, config.split.splitSeed);
    const n = 100;
    const pixels = data.val.x.subarray(0, n * 784);
    const { mean, std } = config.normalization as { mean: number[]; std: number[] };
    const normalized = Float32Array.from(pixels, (v) => (v - mean[0]!) / std[0]!);
    const expected = tf.tidy(() => model.call(tf.tensor(normalized, [n, 1, 28, 28])).arraySync() as number[][]);
    model.dispose();

    // 8-bit scale, as a decoded image would arrive; the card's preprocessing scales by 1/255 and normalises.
    const input = Array.from({ length: n }, (_, i) => [Array.from({ length: 28 }, (_, r) => Array.from(pixels.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28), (v) => v * 255))]);
    const inputPath = join(runDir, 'digits.json');
    writeFileSync(inputPath, JSON.stringify(input));
    const r = runCli(['predict', '--model', join(runDir, 'model.onnx'), '--input', inputPath, '--json', '--top', '10']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout).results as Array<{ top: Array<{ index: number; score: number }> }>;
    expect(results).toHaveLength(n);
    let worst = 0;
    results.forEach((res, i) => {
      expect(res.top).toHaveLength(10);
      for (const { index, score } of res.top) worst = Math.max(worst, Math.abs(score - expected[i]![index]!));
    });
    expect(worst).toBeLessThanOrEqual(1e-5);
    // The top class agrees with the TS argmax on every digit.
    results.forEach((res, i) => expect(res.top[0]!.index).toBe(expected[i]!.indexOf(Math.max(...expected[i]!))));
  });

  it('names the expected shape when the input does not fit', () => {
    const bad = join(runDir, 'bad.json');
    writeFileSync(bad, JSON.stringify([[1, 2, 3]]));
    const r = runCli(['predict', '--model', runDir, '--input', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\[batch, 1, 28, 28\]|\[\?, 1, 28, 28\]|1, 28, 28/);
  });
});
