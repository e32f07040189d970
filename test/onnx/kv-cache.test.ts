/**
 * KV-cache export: model.onnx (input_ids -> logits, any batch and sequence length) and decoder_with_past.onnx
 * (input_ids + past_key_values.{i}.key/value -> logits + present.{i}.key/value, any past length including 0).
 * Checked in onnxruntime-node against the TS model: full-sequence logits, and cached decoding token by token equal
 * to recomputing the whole sequence.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { decodeModelProto } from '../../src/onnx/index.js';
import { KV_CACHE_NAMES, exportCausalLM, exportDecoderWithPast } from '../../src/onnx/kv-cache.js';
import { maxAbs, maxAbsDiff } from './fixtures.js';
import { TinyGPT } from './tiny-gpt.js';

// Before the describes below build their models (at collection time): the worker may have run another file first.
await tf.setBackend('cpu');

const ids64 = (ids: number[]) => new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, ids.length]);
const TOKENS = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7];

function tsLogits(model: TinyGPT, ids: number[]): Float32Array {
  return tf.tidy(() => model.call(tf.tensor2d(Int32Array.from(ids), [1, ids.length], 'int32')).dataSync() as Float32Array);
}

describe.each([
  ['tf ops (range masks, where)', false],
  ['LayerNorm, GELU, F.scaled_dot_product_attention, tril masks', true],
])('KV-cache export of a GPT written with %s', (_name, sdpa) => {
  manualSeed(21);
  const model = new TinyGPT(13, 16, 2, 2, 8, sdpa);
  model.eval();
  const example = tf.tensor2d(Int32Array.from(TOKENS.slice(0, 5)), [1, 5], 'int32');
  const before = tf.memory().numTensors;
  const full = exportCausalLM(model, { exampleIds: example });
  const withPast = exportDecoderWithPast(model, { exampleIds: example, examplePastLength: 3 });
  const leaked = tf.memory().numTensors - before;

  it('leaves no tensors behind', () => {
    expect(leaked).toBe(0);
  });

  it('names the I/O as documented, with batch, sequence and past_sequence axes', () => {
    type Value = { name: string; type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } } };
    const g = (decodeModelProto(withPast) as unknown as { graph: { input: Value[]; output: Value[]; node: Array<{ opType: string }> } }).graph;
    const ops = new Set(g.node.map((n) => n.opType));
    // Masks follow the sequence and past lengths: Trilu (tril / causal masks) or Range + comparisons; LayerNorm is one op.
    for (const op of sdpa ? ['Trilu', 'LayerNormalization', 'Erf'] : ['Range', 'LessOrEqual', 'Where']) expect(ops, op).toContain(op);
    const io = (v: Value) => [v.name, v.type.tensorType.elemType, v.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue)];
    expect(g.input.map(io)).toEqual([
      ['input_ids', 7, ['batch', 'sequence']],
      ...[0, 1].flatMap((i) => [
        [KV_CACHE_NAMES.pastKey(i), 1, ['batch', 2, 'past_sequence', 4]],
        [KV_CACHE_NAMES.pastValue(i), 1, ['batch', 2, 'past_sequence', 4]],
      ]),
    ]);
    expect(g.output.map(io)).toEqual([
      ['logits', 1, ['batch', 'sequence', 13]],
      ...[0, 1].flatMap((i) => [
        [KV_CACHE_NAMES.presentKey(i), 1, ['batch', 2, 'sequence + past_sequence', 4]],
        [KV_CACHE_NAMES.presentValue(i), 1, ['batch', 2, 'sequence + past_sequence', 4]],
      ]),
    ]);
  });

  it('model.onnx accepts every sequence length up to the block size and matches the TS logits', async () => {
    const session = await ort.InferenceSession.create(full);
    for (const t of [1, 2, 7, 16]) {
      const ids = TOKENS.concat(TOKENS).slice(0, t);
      const out = (await session.run({ input_ids: ids64(ids) })).logits!;
      const want = tsLogits(model, ids);
      expect(out.dims).toEqual([1, t, 13]);
      expect(maxAbsDiff(want, out.data as Float32Array), `T=${t}`).toBeLessThanOrEqual(1e-5 * maxAbs(want));
    }
    await session.release();
  });

  it('decoding with the cache (prompt with an empty past, then one token at a time) equals recomputing the sequence', async () => {
    const session = await ort.InferenceSession.create(withPast);
    const empty = new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 4]);
    let feeds: Record<string, ort.Tensor> = { input_ids: ids64(TOKENS.slice(0, 4)) };
    for (let i = 0; i < 2; i++) {
      feeds[KV_CACHE_NAMES.pastKey(i)] = empty;
      feeds[KV_CACHE_NAMES.pastValue(i)] = empty;
    }
    for (let len = 4; len <= TOKENS.length; len++) {
      const out = await session.run(feeds);
      const logits = out.logits!;
      const t = logits.dims[1] as number;
      const last = (logits.data as Float32Array).slice((t - 1) * 13, t * 13);
      const want = tsLogits(model, TOKENS.slice(0, len)).slice((len - 1) * 13, len * 13);
      expect(maxAbsDiff(want, last), `length ${len}`).toBeLessThanOrEqual(1e-5 * maxAbs(want));
      expect(out[KV_CACHE_NAMES.presentKey(1)]!.dims).toEqual([1, 2, len, 4]);
      if (len === TOKENS.length) break;
      feeds = { input_ids: ids64([TOKENS[len]!]) };
      for (let i = 0; i < 2; i++) {
        feeds[KV_CACHE_NAMES.pastKey(i)] = out[KV_CACHE_NAMES.presentKey(i)]!;
        feeds[KV_CACHE_NAMES.pastValue(i)] = out[KV_CACHE_NAMES.presentValue(i)]!;
      }
    }
    await session.release();
  });

  it('refuses a model without forwardWithCache and bad example ids', () => {
    expect(() => exportDecoderWithPast(model, { exampleIds: tf.zeros([1, 3]) })).toThrow(/exampleIds must be int32 \[batch, sequence\], got float32 \[1, 3\]/);
    const plain = Object.assign(Object.create(Object.getPrototypeOf(model) as object) as TinyGPT, model, { forwardWithCache: undefined });
    expect(() => exportDecoderWithPast(plain, { exampleIds: example })).toThrow(/has no forwardWithCache/);
  });
});
