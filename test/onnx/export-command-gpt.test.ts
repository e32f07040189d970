/**
 * `twinml export --run` of a gpt run (config.json with task "language-model", tokenizer.json, model.safetensors)
 * writes the generation folder, and a server over it streams the TS model's text from generate_stream.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { GPT, generateTokens, resolveGPTConfig } from '../../src/models/gpt/index.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { CharTokenizer } from '../../src/util/char-tokenizer.js';
import { runExportCommand } from '../../src/cli/export/run.js';
import { startServer } from '../../src/inference/index.js';

const root = mkdtempSync(join(tmpdir(), 'twinml-gpt-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('twinml export --run <gpt run>', () => {
  it('writes model.onnx, decoder_with_past.onnx, generation.json, tokenizer.json, model.json; the server streams the TS text', async () => {
    await tf.setBackend('cpu');
    manualSeed(71);
    const tokenizer = CharTokenizer.fromText('to be or not to be, that is the question\n');
    const modelConfig = { block_size: 12, vocab_size: tokenizer.vocabSize, n_layer: 1, n_head: 2, n_embd: 8, dropout: 0, bias: true, tie_weights: true };
    const model = new GPT(resolveGPTConfig(modelConfig));
    const run = join(root, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'config.json'), JSON.stringify({ task: 'language-model', model: 'gpt', modelConfig, tokenizer: 'tokenizer.json', data: 'hamlet.txt', seed: 1, twinmlVersion: 'test' }));
    writeFileSync(join(run, 'tokenizer.json'), JSON.stringify(tokenizer));
    saveSafetensors(join(run, 'model.safetensors'), model.stateDict());
    const out = join(root, 'repo', 'hamlet', '1');
    await runExportCommand({ run, out });
    for (const f of ['model.onnx', 'decoder_with_past.onnx', 'generation.json', 'tokenizer.json', 'model.json']) expect(existsSync(join(out, f)), f).toBe(true);

    const prompt = 'to be';
    const want = tokenizer.decode([...generateTokens(model, tokenizer.encode(prompt), { maxNewTokens: 15, temperature: 0.8, topK: 4, seed: 5 })]);
    model.dispose();
    const server = await startServer({ models: join(root, 'repo'), port: 0 });
    try {
      const r = await fetch(`${server.url}/v2/models/hamlet/generate_stream`, { method: 'POST', body: JSON.stringify({ text_input: prompt, max_tokens: 15, parameters: { temperature: 0.8, top_k: 4, seed: 5 } }) });
      const events = (await r.text()).split('\n\n').filter(Boolean).map((e) => JSON.parse(e.slice('data: '.length)) as { text_output: string });
      expect(events).toHaveLength(15);
      expect(events.map((e) => e.text_output).join('')).toBe(want);
    } finally {
      await server.close();
    }
  });
});
