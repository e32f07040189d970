/** The TS gpt without Python: config checks, nanoGPT's state_dict keys, the KV cache, generation, the training loop. */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/index.js';
import { GPT, generateTokens, resolveGPTConfig } from '../../src/models/gpt/index.js';
import { getZooModel } from '../../src/models/index.js';
import { manualSeed } from '../../src/nn/generator.js';
import { trainLanguageModel, languageModelAdamW, evaluationOffsets } from '../../src/train/lm/index.js';
import { splitTokens } from '../../src/data/text-batches.js';

const tiny = resolveGPTConfig({ block_size: 12, vocab_size: 9, n_layer: 2, n_head: 2, n_embd: 8 });

function ids(values: number[][]): tf.Tensor {
  return tf.tensor2d(values, [values.length, values[0]!.length], 'int32');
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('gpt (TS side)', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('validates its config, naming the field', () => {
    expect(() => resolveGPTConfig({ n_embd: 10, n_head: 4 })).toThrow('model gpt: n_embd (10) must be divisible by n_head (4)');
    expect(() => resolveGPTConfig({ n_layer: 0 })).toThrow('model gpt: n_layer must be a positive integer, got 0');
    expect(() => resolveGPTConfig({ dropout: 1 })).toThrow('model gpt: dropout must be in [0, 1), got 1');
    expect(() => resolveGPTConfig({ nLayer: 2 } as never)).toThrow('model gpt: unknown config field "nLayer"');
    const entry = getZooModel('gpt');
    expect(entry.task).toBe('language-model');
    expect(entry.resolveConfig({}, { sampleShape: [32], numClasses: 70 })).toMatchObject({ block_size: 32, vocab_size: 70 });
  });

  it("has nanoGPT's state_dict keys, one tied Parameter under both keys, and its init", () => {
    manualSeed(0);
    const model = new GPT(tiny);
    try {
      const keys = [...model.stateDict().keys()];
      expect(keys.slice(0, 6)).toEqual(['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.ln_1.weight', 'transformer.h.0.ln_1.bias', 'transformer.h.0.attn.c_attn.weight', 'transformer.h.0.attn.c_attn.bias']);
      expect(keys).toContain('transformer.h.1.mlp.c_proj.weight');
      expect(keys.at(-1)).toBe('lm_head.weight');
      expect(keys.length).toBe(2 + 2 * 12 + 2 + 1);
      expect(model.parameters().length).toBe(keys.length - 1); // the tied weight counts once
      const state = model.stateDict();
      expect(state.get('lm_head.weight')!.data).toEqual(state.get('transformer.wte.weight')!.data);
      const std = (k: string) => {
        const d = state.get(k)!.data as Float32Array;
        return Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
      };
      expect(std('transformer.h.0.attn.c_attn.weight')).toBeGreaterThan(0.015);
      expect(std('transformer.h.0.attn.c_attn.weight')).toBeLessThan(0.025);
      expect(std('transformer.h.0.mlp.c_proj.weight')).toBeLessThan(0.02 / Math.sqrt(4) * 1.3); // scaled residual init
      expect([...(state.get('transformer.h.0.ln_1.weight')!.data as Float32Array)]).toEqual(new Array(8).fill(1));
      const untied = new GPT({ ...tiny, tie_weights: false, bias: false });
      expect(untied.parameters().length).toBe(untied.stateDict().size);
      expect([...untied.stateDict().keys()].some((k) => k.endsWith('.bias'))).toBe(false);
      untied.dispose();
    } finally {
      model.dispose();
    }
  });

  it('forwardWithCache: with no past equals forward; decoding in pieces equals the full sequence; no leaks', () => {
    manualSeed(1);
    const model = new GPT(tiny);
    model.eval();
    const before = tf.memory().numTensors;
    const idx = ids([[1, 4, 2, 8, 0, 3, 5], [7, 7, 1, 2, 6, 0, 4]]);
    const full = model.call(idx);
    expect(full.shape).toEqual([2, 7, 9]);
    const fresh = model.forwardWithCache(idx, null);
    expect(maxAbsDiff(fresh.logits, full)).toBe(0);
    expect(fresh.present[0]!.key.shape).toEqual([2, 2, 7, 4]);
    const [p1, p2, p3] = [tf.slice(idx, [0, 0], [2, 4]), tf.slice(idx, [0, 4], [2, 1]), tf.slice(idx, [0, 5], [2, 2])];
    const a = model.forwardWithCache(p1, null);
    const b = model.forwardWithCache(p2, a.present);
    const c = model.forwardWithCache(p3, b.present);
    expect(c.present[1]!.value.shape).toEqual([2, 2, 7, 4]);
    const pieces = tf.concat([a.logits, b.logits, c.logits], 1);
    expect(maxAbsDiff(pieces, full)).toBeLessThan(1e-5);
    const tooLong = ids([[1, 2, 3, 4, 5, 6]]);
    expect(() => model.forwardWithCache(tooLong, c.present)).toThrow('cannot forward a sequence of length 13, block size is only 12');
    tf.dispose([idx, full, fresh, a, b, c, pieces, p1, p2, p3, tooLong]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('generates reproducibly from a seed; temperature 0 is greedy; the context is cropped to the block', () => {
    manualSeed(2);
    const model = new GPT(tiny);
    const before = tf.memory().numTensors;
    const sample = (seed: number, temperature = 1) => [...generateTokens(model, [1, 2, 3], { maxNewTokens: 20, temperature, topK: 5, seed })];
    expect(sample(3)).toEqual(sample(3));
    expect(sample(3)).not.toEqual(sample(4));
    expect(sample(3, 0)).toEqual(sample(4, 0));
    expect(sample(3).length).toBe(20);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => [...generateTokens(model, [9], { maxNewTokens: 1 })]).toThrow('prompt token 0 is 9, outside the vocabulary [0, 9)');
    model.dispose();
  });

  it('trainLanguageModel lowers the loss on a repetitive text and keeps the tensor count flat', () => {
    manualSeed(3);
    const model = new GPT(tiny);
    const tokens = Int32Array.from({ length: 600 }, (_, i) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 4, 2][i % 11]!);
    const optimizer = languageModelAdamW(model, { lr: 1e-2, weightDecay: 0.1 });
    const counts: number[] = [];
    const result = trainLanguageModel({
      model, optimizer, data: splitTokens(tokens, 0.2, 12), blockSize: 12, batchSize: 4, maxIters: 30, evalInterval: 10, evalWindows: 8, clipGradNorm: 1, seed: 1,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(result.history.map((r) => r.step)).toEqual([10, 20, 30]);
    expect(result.final.final).toBe(true);
    expect(result.final.val_loss).toBeLessThan(result.history[0]!.val_loss);
    expect(result.final.val_perplexity).toBeCloseTo(Math.exp(result.final.val_loss), 10);
    expect(new Set(counts.slice(2)).size).toBe(1);
    expect(evaluationOffsets(100, 12, 3)).toEqual([0, 24, 60]); // 8 windows (0, 12, ..., 84) thinned to 3
    expect(evaluationOffsets(100, 12, 50)).toEqual([0, 12, 24, 36, 48, 60, 72, 84]);
    optimizer.disposeState();
    model.dispose();
  });
});
