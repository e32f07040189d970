/**
 * Language-model batches from a token stream, as nanoGPT's `get_batch`: `batch_size` random windows of
 * `block_size` tokens (x) and the same windows shifted by one (y, the next tokens). The offsets come from a seeded
 * twinml Rng (`randint(len - block_size)` per row), so a run's batches are reproducible from its seed (and
 * python/twinml_ref/lm_training.py draws the same ones).
 */
import type { Rng } from '../util/rng.js';

/** A corpus's tokens split into a training part and a held-out tail. */
export interface TokenSplit {
  train: Int32Array;
  val: Int32Array;
}

/** One batch: x and y are [batchSize, blockSize] row-major int32 token ids. */
export interface TokenBatch {
  x: Int32Array;
  y: Int32Array;
  batchSize: number;
  blockSize: number;
}

/**
 * The first (1 - valFraction) of the tokens for training, the rest for validation (nanoGPT's split; no shuffle, so
 * validation text is unseen text, not windows overlapping the training ones).
 * @param tokens - the encoded corpus
 * @param valFraction - held-out fraction in (0, 1)
 * @param blockSize - the context length; each part must hold more than blockSize tokens
 */
export function splitTokens(tokens: Int32Array, valFraction: number, blockSize: number): TokenSplit {
  if (!(valFraction > 0 && valFraction < 1)) throw new Error(`valFraction must be in (0, 1), got ${valFraction}`);
  const n = Math.floor(tokens.length * (1 - valFraction));
  const split = { train: tokens.subarray(0, n), val: tokens.subarray(n) };
  for (const [name, part] of Object.entries(split)) {
    if (part.length <= blockSize) {
      throw new Error(`the ${name} split has ${part.length} tokens (of ${tokens.length}); it needs more than block_size = ${blockSize}: use a longer text, a smaller --block-size or another --val-fraction`);
    }
  }
  return split;
}

/**
 * A batch of random windows.
 * @param tokens - one split's tokens (longer than blockSize)
 * @param batchSize - rows
 * @param blockSize - tokens per row
 * @param rng - the seeded generator the offsets are drawn from (one randint per row)
 */
export function sampleBatch(tokens: Int32Array, batchSize: number, blockSize: number, rng: Rng): TokenBatch {
  if (tokens.length <= blockSize) throw new Error(`sampleBatch: ${tokens.length} tokens are not more than block_size = ${blockSize}`);
  const x = new Int32Array(batchSize * blockSize);
  const y = new Int32Array(batchSize * blockSize);
  for (let b = 0; b < batchSize; b++) {
    const i = rng.randint(tokens.length - blockSize);
    x.set(tokens.subarray(i, i + blockSize), b * blockSize);
    y.set(tokens.subarray(i + 1, i + 1 + blockSize), b * blockSize);
  }
  return { x, y, batchSize, blockSize };
}
