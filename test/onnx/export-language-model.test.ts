/**
 * exportLanguageModel (what `twinml export` runs for a gpt run): one folder with model.onnx, decoder_with_past.onnx,
 * generation.json, tokenizer.json and model.json, checked in onnxruntime-node first; loadLanguageModel generates
 * from it with the tokenizer.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { exportLanguageModel } from '../../src/cli/export/export-language-model.js';
import { CharTokenizer, loadLanguageModel } from '../../src/inference/index.js';
import { TinyGPT } from './tiny-gpt.js';

const dir = mkdtempSync(join(tmpdir(), 'twinml-lm-export-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exportLanguageModel', () => {
  const card = { name: 'tiny-gpt', version: '1', architecture: { model: 'gpt', config: {} }, source: { createdAt: '2026-12-05T00:00:00Z', twinmlVersion: 'test' } };

  it('writes the folder a language model is served and generated from', async () => {
    manualSeed(51);
    const model = new TinyGPT(13, 16, 2, 2, 8, true);
    const tokenizer = new CharTokenizer([...'\n abcdefghijk']);
    const out = await exportLanguageModel(model, dir, { blockSize: 16, vocabSize: 13, tokenizer, card });
    expect(out.files.map((f) => f.slice(dir.length + 1))).toEqual(['model.onnx', 'decoder_with_past.onnx', 'generation.json', 'tokenizer.json', 'model.json']);
    for (const f of out.files) expect(existsSync(f)).toBe(true);
    expect(out.maxAbsDiff).toBeLessThan(1e-5);
    expect(JSON.parse(readFileSync(join(dir, 'generation.json'), 'utf8'))).toEqual({ blockSize: 16, vocabSize: 13, model: 'gpt' });
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))).toMatchObject({ name: 'tiny-gpt', task: 'raw', input: { name: 'input_ids', dtype: 'int64' } });
    const lm = await loadLanguageModel(dir);
    try {
      const ids = await lm.generateAll(lm.tokenizer!.encode('abc'), { maxNewTokens: 5, seed: 2 });
      expect(lm.tokenizer!.decode(ids)).toHaveLength(5);
    } finally {
      await lm.close();
    }
  });

  it('refuses a block too small for the traces and bad example ids', async () => {
    const model = new TinyGPT(13, 16);
    await expect(exportLanguageModel(model, dir, { blockSize: 4, vocabSize: 13, card })).rejects.toThrow(/block size of at least 6/);
    await expect(exportLanguageModel(model, dir, { blockSize: 16, vocabSize: 13, exampleIds: [1, 99], card })).rejects.toThrow(/exampleIds must be 2..12 token ids in \[0, 13\)/);
  });
});
