/**
 * Text generation with the TS GPT, as nanoGPT's `generate`: crop the sequence to the last block_size tokens, take
 * the last position's logits and choose the next token with the shared sampler (src/util/sampling.ts: the ONNX
 * generation uses the same one, so the same seed gives the same tokens).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SamplingRng, sampleNextToken } from '../../util/sampling.js';
import type { GPT } from './model.js';

/** Options of {@link generateTokens}. */
export interface GenerateOptions {
  /** Tokens to generate (>= 0). */
  maxNewTokens: number;
  /** 0 = greedy; default 1. */
  temperature?: number;
  /** Sample among the k most likely tokens only; default all. */
  topK?: number | null;
  /** Seed of the sampling generator; default 0. */
  seed?: number;
}

/**
 * Yields the new token ids one at a time (eval mode; no tensors are kept between steps).
 * @param model - a GPT
 * @param promptIds - the prompt's token ids (at least one)
 * @param options - maxNewTokens, temperature, topK, seed
 */
export function* generateTokens(model: GPT, promptIds: ArrayLike<number>, options: GenerateOptions): Generator<number> {
  if (!(Number.isInteger(options.maxNewTokens) && options.maxNewTokens >= 0)) throw new Error(`generate: maxNewTokens must be a non-negative integer, got ${options.maxNewTokens}`);
  if (promptIds.length === 0) throw new Error('generate: the prompt is empty; give at least one token');
  const vocab = model.config.vocab_size;
  const ids = Array.from(promptIds);
  ids.forEach((id, i) => {
    if (!(Number.isInteger(id) && id >= 0 && id < vocab)) throw new Error(`generate: prompt token ${i} is ${id}, outside the vocabulary [0, ${vocab})`);
  });
  const rng = new SamplingRng(options.seed ?? 0);
  const sampling = { temperature: options.temperature ?? 1, topK: options.topK ?? null };
  const wasTraining = model.training;
  model.eval();
  try {
    for (let n = 0; n < options.maxNewTokens; n++) {
      const context = ids.slice(-model.config.block_size);
      const last = tf.tidy(() => {
        const logits = model.call(tf.tensor2d(Int32Array.from(context), [1, context.length], 'int32'));
        return tf.reshape(tf.slice(logits, [0, context.length - 1, 0], [1, 1, vocab]), [vocab]);
      });
      const values = last.dataSync() as Float32Array;
      last.dispose();
      const next = sampleNextToken(values, sampling, rng);
      ids.push(next);
      yield next;
    }
  } finally {
    model.train(wasTraining);
  }
}
