/**
 * Acceptance of the exported zoo gpt (issue 16): the folder `twinml export` writes for a gpt run
 * (exportLanguageModel) passes onnx.checker; model.onnx accepts every sequence length up to the block size and
 * matches the TS logits (<= 1e-5 relative) and PyTorch's (python/twinml_ref/models/gpt.py with the same weights);
 * generating from decoder_with_past.onnx with a seed gives exactly the TS model's tokens (generateTokens, the same
 * sampler), past the block size too; KV-cache decoding equals recomputing the full sequence.
 * The onnx.checker and PyTorch parts skip with one line without Python; the rest always runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { GPT, generateTokens, resolveGPTConfig } from '../../src/models/gpt/index.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { exportLanguageModel } from '../../src/cli/export/export-language-model.js';
import { CharTokenizer, loadLanguageModel } from '../../src/inference/index.js';
import { referencePython } from '../helpers/python.js';
import { maxAbs, maxAbsDiff } from './fixtures.js';

const PYTHON = referencePython('test/onnx/gpt-export.test.ts (onnx.checker and the PyTorch logits; the onnxruntime checks still run)');
const dir = mkdtempSync(join(tmpdir(), 'twinml-gpt-export-'));
const BLOCK = 16;
const VOCAB = 13;
const IDS = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3];
let model: GPT;

beforeAll(async () => {
  await tf.setBackend('cpu');
  manualSeed(61);
  model = new GPT(resolveGPTConfig({ block_size: BLOCK, vocab_size: VOCAB, n_layer: 2, n_head: 2, n_embd: 16 }));
  model.eval();
  const card = { name: 'gpt', version: '1', architecture: { model: 'gpt', config: { ...model.config } }, source: { createdAt: '2026-12-05T00:00:00Z', twinmlVersion: 'test' } };
  await exportLanguageModel(model, dir, { blockSize: BLOCK, vocabSize: VOCAB, tokenizer: new CharTokenizer([...'\n abcdefghijk']), card });
}, 60_000);
afterAll(() => {
  model?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const ids64 = (ids: number[]) => new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, ids.length]);
const tsLogits = (ids: number[]) => tf.tidy(() => model.call(tf.tensor2d(Int32Array.from(ids), [1, ids.length], 'int32')).dataSync() as Float32Array);
const relErr = (want: Float32Array, got: Float32Array) => maxAbsDiff(want, got) / maxAbs(want);

/** One Python run (torch and onnx load once): onnx.checker's verdict on both graphs and PyTorch's logits of IDS. */
let pythonResult: { checker: string[]; logits: number[] } | undefined;
function python(): { checker: string[]; logits: number[] } {
  if (pythonResult) return pythonResult;
  const weights = join(dir, 'weights.safetensors');
  saveSafetensors(weights, model.stateDict());
  const files = ['model.onnx', 'decoder_with_past.onnx'].map((f) => join(dir, f));
  const script = [
    'import json, sys, onnx, torch',
    "sys.path.insert(0, 'python')",
    'from safetensors.torch import load_file',
    'from twinml_ref.models.gpt import from_config',
    'checker = []',
    `for f in ${JSON.stringify(files)}:`,
    '    m = onnx.load(f); onnx.checker.check_model(m, full_check=True); checker.append(f"ok {m.opset_import[0].version} {m.ir_version}")',
    `m = from_config(json.loads(${JSON.stringify(JSON.stringify(model.config))}))`,
    `m.load_state_dict(load_file(${JSON.stringify(weights)}), strict=True)`,
    'm.eval()',
    `ids = torch.tensor([${JSON.stringify(IDS)}], dtype=torch.long)`,
    'with torch.no_grad(): print(json.dumps({"checker": checker, "logits": m(ids).reshape(-1).tolist()}))',
  ].join('\n');
  pythonResult = JSON.parse(execFileSync(PYTHON!, ['-c', script], { encoding: 'utf8' })) as { checker: string[]; logits: number[] };
  return pythonResult;
}

describe('the exported zoo gpt', () => {
  it.skipIf(!PYTHON)('passes onnx.checker (full check), both graphs', () => {
    expect(python().checker).toEqual(['ok 17 8', 'ok 17 8']);
  });

  it('model.onnx accepts every sequence length up to the block size and matches the TS logits (<= 1e-5 relative)', async () => {
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    let worst = 0;
    for (let t = 1; t <= BLOCK; t++) {
      const out = (await session.run({ input_ids: ids64(IDS.slice(0, t)) })).logits!;
      expect(out.dims).toEqual([1, t, VOCAB]);
      worst = Math.max(worst, relErr(tsLogits(IDS.slice(0, t)), out.data as Float32Array));
    }
    console.log(`gpt model.onnx vs TS: max relative error ${worst.toExponential(2)} over T = 1..${BLOCK}`);
    expect(worst).toBeLessThanOrEqual(1e-5);
    await session.release();
  });

  it.skipIf(!PYTHON)("matches PyTorch's logits with the same weights", async () => {
    const torchLogits = Float32Array.from(python().logits);
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    const onnx = (await session.run({ input_ids: ids64(IDS) })).logits!.data as Float32Array;
    await session.release();
    const err = relErr(torchLogits, onnx);
    console.log(`gpt model.onnx vs PyTorch: max relative error ${err.toExponential(2)} (T = ${BLOCK})`);
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it("generating with a seed reproduces the TS model's tokens exactly, also past the block size", async () => {
    const lm = await loadLanguageModel(dir);
    try {
      expect(lm.blockSize).toBe(BLOCK);
      for (const [options, n] of [
        [{ temperature: 0.9, topK: 5, seed: 7 }, 30],
        [{ temperature: 1, seed: 8 }, 12],
        [{ temperature: 0 }, 20],
      ] as const) {
        const want = [...generateTokens(model, [1, 2, 3], { maxNewTokens: n, ...options })];
        expect(await lm.generateAll([1, 2, 3], { maxNewTokens: n, ...options }), JSON.stringify(options)).toEqual(want);
      }
    } finally {
      await lm.close();
    }
  });

  it('KV-cache decoding (prompt, then one token at a time) equals recomputing the full sequence', async () => {
    const full = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    const step = await ort.InferenceSession.create(join(dir, 'decoder_with_past.onnx'));
    const empty = new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 8]);
    let feeds: Record<string, ort.Tensor> = { input_ids: ids64(IDS.slice(0, 3)) };
    for (let i = 0; i < 2; i++) feeds[`past_key_values.${i}.key`] = feeds[`past_key_values.${i}.value`] = empty;
    let worst = 0;
    for (let len = 3; len <= BLOCK; len++) {
      const out = await step.run(feeds);
      const t = out.logits!.dims[1] as number;
      const cached = (out.logits!.data as Float32Array).slice((t - 1) * VOCAB);
      const recomputed = ((await full.run({ input_ids: ids64(IDS.slice(0, len)) })).logits!.data as Float32Array).slice((len - 1) * VOCAB);
      worst = Math.max(worst, relErr(recomputed, cached));
      if (len === BLOCK) break;
      feeds = { input_ids: ids64([IDS[len]!]) };
      for (let i = 0; i < 2; i++) {
        feeds[`past_key_values.${i}.key`] = out[`present.${i}.key`]!;
        feeds[`past_key_values.${i}.value`] = out[`present.${i}.value`]!;
      }
    }
    console.log(`gpt KV-cache decoding vs recomputation: max relative error ${worst.toExponential(2)} over lengths 3..${BLOCK}`);
    expect(worst).toBeLessThanOrEqual(1e-5);
    await Promise.all([full.release(), step.release()]);
    expect(JSON.parse(readFileSync(join(dir, 'generation.json'), 'utf8'))).toEqual({ blockSize: BLOCK, vocabSize: VOCAB, model: 'gpt' });
  });
});
