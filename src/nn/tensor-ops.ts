/**
 * Tensor ops in torch's names for sequence models: masked_fill, triu, tril, topk, and multinomial on twinml's seeded
 * generator. Masks are bool tensors ("true" = fill), indices are int32 (torch's are int64).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';
import { getDefaultGenerator } from './generator.js';

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/**
 * torch.Tensor.masked_fill(mask, value): `value` where `mask` is true, `input` elsewhere. The mask broadcasts to the
 * input's shape; the gradient flows to the positions that are not filled.
 * @param input - any float tensor
 * @param mask - a bool tensor broadcastable to input's shape
 * @param value - the fill value (may be -Infinity)
 */
export function masked_fill(input: tf.Tensor, mask: tf.Tensor, value: number): tf.Tensor {
  if (mask.dtype !== 'bool') throw new Error(`masked_fill: mask must be a bool tensor, got ${mask.dtype} of shape ${shapeText(mask)}`);
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(input.shape, mask.shape);
  if (shape.length !== input.rank || shape.some((d, i) => d !== input.shape[i])) {
    throw new Error(`masked_fill: mask of shape ${shapeText(mask)} does not broadcast to the input's shape ${shapeText(input)}`);
  }
  return tf.tidy(() => {
    const full = mask.rank === input.rank && mask.shape.every((d, i) => d === input.shape[i]) ? mask : tf.broadcastTo(mask, input.shape);
    return tf.where(full, tf.fill(input.shape, value, input.dtype), input);
  });
}

/** [rows, cols] bool mask: true where col - row >= diagonal (upper) or <= diagonal (lower). */
function triangleMask(rows: number, cols: number, diagonal: number, upper: boolean): tf.Tensor2D {
  const data = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) data[r * cols + c] = (upper ? c - r >= diagonal : c - r <= diagonal) ? 1 : 0;
  }
  return tf.tensor2d(data, [rows, cols], 'bool');
}

function triangle(input: tf.Tensor, diagonal: number, upper: boolean): tf.Tensor {
  const what = upper ? 'triu' : 'tril';
  if (input.rank < 2) throw new Error(`${what}: input must have at least 2 dimensions, got shape ${shapeText(input)}`);
  if (!Number.isInteger(diagonal)) throw new Error(`${what}: diagonal must be an integer, got ${diagonal}`);
  const rows = input.shape[input.rank - 2]!;
  const cols = input.shape[input.rank - 1]!;
  return tf.tidy(() => {
    const keep = tf.broadcastTo(triangleMask(rows, cols, diagonal, upper), input.shape);
    return tf.where(keep, input, tf.zerosLike(input));
  });
}

/**
 * torch.triu(input, diagonal=0): the upper triangle of the last two dimensions (elements with col - row >=
 * diagonal), zeros elsewhere.
 * @param input - [..., rows, cols]
 * @param diagonal - which diagonal bounds the triangle (0 main, > 0 above, < 0 below)
 */
export function triu(input: tf.Tensor, diagonal = 0): tf.Tensor {
  return triangle(input, diagonal, true);
}

/**
 * torch.tril(input, diagonal=0): the lower triangle of the last two dimensions (elements with col - row <=
 * diagonal), zeros elsewhere.
 * @param input - [..., rows, cols]
 * @param diagonal - which diagonal bounds the triangle (0 main, > 0 above, < 0 below)
 */
export function tril(input: tf.Tensor, diagonal = 0): tf.Tensor {
  return triangle(input, diagonal, false);
}

/** Options of {@link topk} (torch's keyword arguments). */
export interface TopkOptions {
  /** The dimension to select along (default -1). */
  dim?: number;
  /** The k largest (default true) or the k smallest. */
  largest?: boolean;
  /** Return them in order, largest first (smallest first when !largest). Always done; false is accepted for torch's signature. */
  sorted?: boolean;
}

/** The values and int32 indices of {@link topk}. */
export interface TopkResult {
  values: tf.Tensor;
  indices: tf.Tensor;
}

/** topk along the last axis with a gradient (dy scattered back to the chosen positions). */
function topkLastAxis(x: tf.Tensor, k: number, largest: boolean): TopkResult {
  const n = x.shape[x.rank - 1]!;
  const found = tf.tidy(() => {
    const r = tf.topk(largest ? x : tf.neg(x), k, true);
    return { values: largest ? r.values : tf.neg(r.values), indices: r.indices };
  });
  const indices = found.indices;
  const pick = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([indices]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.sum(tf.mul(tf.expandDims(dy, -1), tf.cast(tf.oneHot(saved[0]!, n), 'float32')), -2);
    return { value: tf.clone(found.values), gradFunc };
  }) as Parameters<typeof tf.customGrad>[0]);
  const values = pick(x);
  found.values.dispose();
  return { values, indices };
}

/**
 * torch.topk(input, k, dim=-1, largest=True, sorted=True): the k largest (or smallest) elements along `dim` and
 * their int32 indices, sorted. Differentiable in `values`.
 * @param input - any float tensor
 * @param k - how many (0 <= k <= size of dim)
 * @param options - dim, largest, sorted
 */
export function topk(input: tf.Tensor, k: number, options: TopkOptions = {}): TopkResult {
  const rank = Math.max(input.rank, 1);
  const dimArg = options.dim ?? -1;
  const d = dimArg < 0 ? dimArg + rank : dimArg;
  if (!Number.isInteger(d) || d < 0 || d >= rank) throw new Error(`topk: dim ${dimArg} is out of range for an input of rank ${input.rank}`);
  const size = input.rank === 0 ? 1 : input.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > size) throw new Error(`topk: k must be an integer in [0, ${size}] (the size of dim ${dimArg}), got ${k}`);
  const largest = options.largest ?? true;
  if (input.rank === 0) {
    const r = topkLastAxis(tf.reshape(input, [1]), k, largest);
    const out = { values: tf.reshape(r.values, k === 0 ? [0] : []), indices: tf.reshape(r.indices, k === 0 ? [0] : []) };
    r.values.dispose();
    r.indices.dispose();
    return out;
  }
  if (d === input.rank - 1) return topkLastAxis(input, k, largest);
  const perm = [...Array(input.rank).keys()];
  perm[d] = input.rank - 1;
  perm[input.rank - 1] = d;
  return tf.tidy(() => {
    const r = topkLastAxis(tf.transpose(input, perm), k, largest);
    return { values: tf.transpose(r.values, perm), indices: tf.transpose(r.indices, perm) };
  });
}

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
  /** Where the numbers come from (default: the global generator set by `manual_seed`). */
  generator?: Rng;
}

/** One draw from unnormalised non-negative weights (one uniform number, inverse CDF). */
function drawOne(weights: Float64Array, total: number, rng: Rng): number {
  const u = rng.random() * total;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! <= 0) continue;
    acc += weights[i]!;
    last = i;
    if (u < acc) return i;
  }
  return last;
}

/**
 * torch.multinomial(input, num_samples, replacement=False, generator=None): int32 category indices drawn from
 * each row of non-negative weights (not necessarily normalised), from twinml's seeded generator: one uniform
 * number per draw, inverse CDF in category order. Same seed, same draws on every backend. (The numbers differ
 * from torch's own generator.)
 * @param input - [C] or [N, C] non-negative weights with a positive sum per row
 * @param numSamples - draws per row (without replacement at most the number of non-zero categories)
 * @param options - replacement, generator
 * @returns [num_samples] or [N, num_samples], int32
 */
export function multinomial(input: tf.Tensor, numSamples: number, options: MultinomialOptions = {}): tf.Tensor {
  if (input.rank !== 1 && input.rank !== 2) throw new Error(`multinomial: input must be 1-D or 2-D, got shape ${shapeText(input)}`);
  if (!Number.isInteger(numSamples) || numSamples < 1) throw new Error(`multinomial: num_samples must be a positive integer, got ${numSamples}`);
  const replacement = options.replacement ?? false;
  const rng = options.generator ?? getDefaultGenerator();
  const rows = input.rank === 1 ? 1 : input.shape[0]!;
  const cats = input.shape[input.rank - 1]!;
  const data = input.dataSync();
  const out = new Int32Array(rows * numSamples);
  for (let r = 0; r < rows; r++) {
    const weights = Float64Array.from(data.subarray(r * cats, (r + 1) * cats));
    let total = 0;
    let positive = 0;
    for (const w of weights) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`multinomial: row ${r} has a negative, infinite or NaN weight (${w})`);
      total += w;
      if (w > 0) positive++;
    }
    if (!(total > 0)) throw new Error(`multinomial: row ${r} sums to 0; the weights must have a positive sum`);
    if (!replacement && numSamples > positive) {
      throw new Error(`multinomial: cannot draw ${numSamples} samples without replacement from row ${r}, which has ${positive} non-zero categories`);
    }
    for (let s = 0; s < numSamples; s++) {
      const i = drawOne(weights, total, rng);
      out[r * numSamples + s] = i;
      if (!replacement) {
        weights[i] = 0;
        total = weights.reduce((a, b) => a + b, 0);
      }
    }
  }
  return tf.tensor(out, input.rank === 1 ? [numSamples] : [rows, numSamples], 'int32');
}
