/**
 * Generation on onnxruntime-node with the KV cache (twinml/inference loadLanguageModel): the streamed tokens equal
 * the TS model's tokens for the same seed (the shared sampler, recomputing the whole window each step), also past
 * the block size (the context is cropped like nanoGPT's), greedy and sampled; an abort signal stops it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { exportCausalLM, exportDecoderWithPast } from '../../src/onnx/kv-cache.js';
import { loadLanguageModel, type LanguageModel } from '../../src/inference/index.js';
import { SamplingRng, sampleNextToken, type SamplingOptions } from '../../src/inference/sampling.js';
import { TinyGPT } from '../onnx/tiny-gpt.js';

const dir = mkdtempSync(join(tmpdir(), 'twinml-generate-'));
let ts: TinyGPT;
let lm: LanguageModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  manualSeed(31);
  ts = new TinyGPT(13, 16);
  ts.eval();
  const example = tf.tensor2d(Int32Array.from([1, 2, 3, 4]), [1, 4], 'int32');
  writeFileSync(join(dir, 'model.onnx'), exportCausalLM(ts, { exampleIds: example }));
  writeFileSync(join(dir, 'decoder_with_past.onnx'), exportDecoderWithPast(ts, { exampleIds: example }));
  writeFileSync(join(dir, 'generation.json'), JSON.stringify({ blockSize: 16, vocabSize: 13 }));
  example.dispose();
  lm = await loadLanguageModel(dir);
});
afterAll(async () => {
  await lm?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The TS model's generation: the last block_size tokens recomputed every step, the shared sampler. */
function tsGenerate(prompt: number[], n: number, options: SamplingOptions, seed: number): number[] {
  const rng = new SamplingRng(seed);
  const seq = [...prompt];
  for (let i = 0; i < n; i++) {
    const window = seq.slice(-16);
    const logits = tf.tidy(() => ts.call(tf.tensor2d(Int32Array.from(window), [1, window.length], 'int32')).dataSync() as Float32Array);
    seq.push(sampleNextToken(logits.subarray((window.length - 1) * 13), options, rng));
  }
  return seq.slice(prompt.length);
}

describe('loadLanguageModel(...).generate', () => {
  it('reads the cache layout and the block size', () => {
    expect([lm.numLayers, lm.blockSize, lm.vocabSize, lm.tokenizer]).toEqual([2, 16, 13, null]);
  });

  for (const [name, options, seed] of [
    ['sampled (temperature 0.8, top-k 5)', { temperature: 0.8, topK: 5 }, 7],
    ['sampled (temperature 1)', { temperature: 1 }, 8],
    ['greedy (temperature 0)', { temperature: 0 }, 0],
  ] as Array<[string, SamplingOptions, number]>) {
    it(`${name}: the same tokens as the TS model for the same seed, past the block size`, async () => {
      const prompt = [3, 1, 4, 1, 5];
      const want = tsGenerate(prompt, 20, options, seed);
      const got: number[] = [];
      for await (const token of lm.generate(prompt, { maxNewTokens: 20, ...options, seed })) got.push(token);
      expect(got).toEqual(want);
      expect(new Set(got).size).toBeGreaterThan(options.temperature === 0 ? 0 : 2);
    });
  }

  it('stops when the signal aborts, or when the consumer breaks', async () => {
    const controller = new AbortController();
    const got: number[] = [];
    for await (const token of lm.generate([1, 2], { maxNewTokens: 50, seed: 1, signal: controller.signal })) {
      got.push(token);
      if (got.length === 3) controller.abort();
    }
    expect(got.length).toBe(3);
    expect(await lm.generateAll([1, 2], { maxNewTokens: 0 })).toEqual([]);
  });

  it('rejects bad prompts and options, and a folder without a decoder', async () => {
    await expect(lm.generateAll([], { maxNewTokens: 2 })).rejects.toThrow(/the prompt is empty/);
    await expect(lm.generateAll([1, 13], { maxNewTokens: 2 })).rejects.toThrow(/prompt token 1 is 13, outside the vocabulary \[0, 13\)/);
    await expect(lm.generateAll([1], { maxNewTokens: -1 })).rejects.toThrow(/maxNewTokens must be a non-negative integer, got -1/);
    await expect(loadLanguageModel(join(dir, 'model.onnx'))).rejects.toThrow(/not a decoder with past/);
    await expect(loadLanguageModel(join(dir, 'nothing'))).rejects.toThrow(/does not exist/);
  });
});
