/**
 * Next-token sampling for text generation, in plain TypeScript (no tfjs, no onnxruntime): the TS model's
 * `twinml generate` and the ONNX generation both call {@link sampleNextToken} with a {@link SamplingRng}, so the same
 * seed, logits and options give the same tokens on either runtime.
 *
 * Mirrors nanoGPT's `generate` step: `logits / temperature`, keep the top-k logits (every logit below the k-th
 * largest becomes -inf, so ties with the k-th are kept), softmax, one multinomial draw. Temperature 0 is greedy
 * decoding (argmax, the lowest index among equal maxima).
 */
import { Rng } from './rng.js';

/** How the next token is chosen from the logits. */
export interface SamplingOptions {
  /** Divides the logits before the softmax; 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (null/undefined/0 = all). Default: all. */
  topK?: number | null;
}

/** The seeded generator that sampling draws from (xoshiro128**; one uniform draw per sampled token). */
export class SamplingRng {
  private readonly rng: Rng;

  /** @param seed - any integer; equal seeds give equal token streams */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`SamplingRng: seed must be an integer, got ${seed}`);
    this.rng = new Rng(seed);
  }

  /** A uniform double in [0, 1). */
  uniform(): number {
    return this.rng.random();
  }
}

function checkOptions(options: SamplingOptions, vocab: number): { temperature: number; topK: number } {
  const temperature = options.temperature ?? 1;
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new Error(`sampling: temperature must be a finite number >= 0, got ${temperature}`);
  const topK = options.topK ?? 0;
  if (!(Number.isInteger(topK) && topK >= 0)) throw new Error(`sampling: topK must be a non-negative integer (0 = all tokens), got ${topK}`);
  return { temperature, topK: topK === 0 ? vocab : Math.min(topK, vocab) };
}

/** Index of the largest logit (the first one among equals); NaN logits are an error. */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (Number.isNaN(v)) throw new Error(`sampling: logit ${i} is NaN`);
    if (v > logits[best]!) best = i;
  }
  return best;
}

/** The k-th largest value of `values` (1-based k), found on a sorted copy. */
function kthLargest(values: Float32Array, k: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[sorted.length - k]!;
}

/**
 * The next token id from one position's logits.
 * @param logits - the logits over the vocabulary for the last position (length = vocab size)
 * @param options - temperature (0 = argmax) and topK
 * @param rng - the seeded generator (not used when temperature is 0)
 * @returns the chosen token id
 */
export function sampleNextToken(logits: Float32Array, options: SamplingOptions, rng: SamplingRng): number {
  if (logits.length === 0) throw new Error('sampling: empty logits');
  const { temperature, topK } = checkOptions(options, logits.length);
  if (temperature === 0) return argmax(logits);
  const threshold = topK < logits.length ? kthLargest(logits, topK) : -Infinity;
  // Softmax of logits/temperature in float64 over the kept tokens, shifted by the max for stability.
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (Number.isNaN(v)) throw new Error(`sampling: logit ${i} is NaN`);
    if (v >= threshold && v > max) max = v;
  }
  if (max === -Infinity) throw new Error('sampling: every logit is -Infinity');
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (v < threshold) continue;
    const w = Math.exp((v - max) / temperature);
    weights[i] = w;
    total += w;
  }
  const target = rng.uniform() * total;
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    cumulative += weights[i]!;
    last = i;
    if (target < cumulative) return i;
  }
  return last;
}
