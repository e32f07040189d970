/**
 * The server's generate extension (Triton's generate / generate_stream) over a language model exported with a KV
 * cache: the text equals the library's generation for the same seed, the stream sends one SSE event per token, a
 * client that disconnects stops the generation (the token counter stops), and bad requests get 400 with the reason.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { exportCausalLM, exportDecoderWithPast } from '../../src/onnx/kv-cache.js';
import { CharTokenizer, loadLanguageModel, startServer, type RunningServer } from '../../src/inference/index.js';
import { TinyGPT } from '../onnx/tiny-gpt.js';

const root = mkdtempSync(join(tmpdir(), 'twinml-generate-repo-'));
const version = join(root, 'tiny', '1');
const tokenizer = new CharTokenizer([...'\n abcdefghijk']);
let server: RunningServer;

beforeAll(async () => {
  await tf.setBackend('cpu');
  manualSeed(41);
  const model = new TinyGPT(13, 16);
  const example = tf.tensor2d(Int32Array.from([1, 2, 3, 4]), [1, 4], 'int32');
  mkdirSync(version, { recursive: true });
  writeFileSync(join(version, 'model.onnx'), exportCausalLM(model, { exampleIds: example }));
  writeFileSync(join(version, 'decoder_with_past.onnx'), exportDecoderWithPast(model, { exampleIds: example }));
  writeFileSync(join(version, 'generation.json'), JSON.stringify({ blockSize: 16, vocabSize: 13 }));
  writeFileSync(join(version, 'tokenizer.json'), JSON.stringify(tokenizer));
  example.dispose();
  mkdirSync(join(root, 'plain', '1'), { recursive: true });
  copyFileSync(join(version, 'model.onnx'), join(root, 'plain', '1', 'model.onnx'));
  server = await startServer({ models: root, port: 0 });
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

function post(path: string, body: unknown): Promise<{ status: number; type: string; text: string }> {
  return fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() }));
}

async function generatedTokens(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('twinml_generated_tokens_total{model="tiny",version="1"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('generate extension', () => {
  const request = { text_input: 'abc ', max_tokens: 12, parameters: { temperature: 0.8, top_k: 5, seed: 3 } };

  it('generate returns the same text as the library for the same seed', async () => {
    const lm = await loadLanguageModel(version);
    const want = await lm.generateAll(tokenizer.encode('abc '), { maxNewTokens: 12, temperature: 0.8, topK: 5, seed: 3 });
    await lm.close();
    const r = await post('/v2/models/tiny/generate', request);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text) as { model_name: string; model_version: string; text_output: string; output_ids: number[] };
    expect(body).toEqual({ model_name: 'tiny', model_version: '1', text_output: tokenizer.decode(want), output_ids: want });
    // Top-level fields (Triton maps them to model inputs) work the same.
    const top = await post('/v2/models/tiny/versions/1/generate', { text_input: 'abc ', max_tokens: 12, temperature: 0.8, top_k: 5, seed: 3 });
    expect(JSON.parse(top.text)).toEqual(body);
  });

  it('generate_stream sends one server-sent event per token, the same text', async () => {
    const whole = JSON.parse((await post('/v2/models/tiny/generate', request)).text) as { text_output: string };
    const r = await post('/v2/models/tiny/generate_stream', request);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/event-stream; charset=utf-8');
    const events = r.text.split('\n\n').filter((e) => e !== '').map((e) => JSON.parse(e.replace(/^data: /, '')) as { text_output: string; model_name: string });
    expect(events.length).toBe(12);
    expect(events.every((e) => e.model_name === 'tiny' && e.text_output.length === 1)).toBe(true);
    expect(events.map((e) => e.text_output).join('')).toBe(whole.text_output);
  });

  it('a client that disconnects stops the generation', async () => {
    const before = await generatedTokens();
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${server.url}/v2/models/tiny/generate_stream`, { method: 'POST' }, (res) => {
        let events = 0;
        res.on('data', (chunk: Buffer) => {
          events += chunk.toString().split('\n\n').length - 1;
          if (events >= 3) {
            req.destroy();
            resolve();
          }
        });
        res.on('error', () => undefined);
      });
      req.on('error', () => undefined);
      req.setTimeout(10_000, () => reject(new Error('no events')));
      req.end(JSON.stringify({ text_input: 'a', max_tokens: 4096, seed: 1 }));
    });
    await new Promise((r) => setTimeout(r, 300));
    const atStop = (await generatedTokens()) - before;
    await new Promise((r) => setTimeout(r, 500));
    const later = (await generatedTokens()) - before;
    console.log(`generate_stream disconnect: client read 3 events; the server generated ${atStop} tokens in all, ${later - atStop} more after 0.5 s`);
    expect(later).toBe(atStop);
    expect(atStop).toBeLessThan(20);
  });

  it('refuses bad requests with the reason', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/v2/models/tiny/generate', { text_input: 'xyz' }, /"text_input": CharTokenizer: character "x" .* is not in the vocabulary/],
      ['/v2/models/tiny/generate', { max_tokens: 3 }, /needs "text_input"/],
      ['/v2/models/tiny/generate', { text_input: 'ab', max_tokens: 5000 }, /"max_tokens" must be an integer in \[0, 4096\], got 5000/],
      ['/v2/models/tiny/generate', { text_input: 'ab', parameters: { temperature: -1 } }, /"temperature" must be a number >= 0/],
      ['/v2/models/tiny/generate', { text_input: 'ab', top_k: 2, parameters: { top_k: 3 } }, /"top_k" is given twice/],
      ['/v2/models/tiny/generate_stream', { text_input: '' }, /"text_input" is empty/],
      ['/v2/models/plain/generate', { text_input: 'ab' }, /does not generate text: its folder has no decoder_with_past.onnx/],
      ['/v2/models/nope/generate', { text_input: 'ab' }, /unknown model "nope"/],
    ];
    for (const [path, body, message] of cases) {
      const r = await post(path, body);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      expect((JSON.parse(r.text) as { error: string }).error, JSON.stringify(body)).toMatch(message);
    }
  });
});
