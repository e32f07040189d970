/**
 * Tensor helpers in torch's names: flatten, cat, stack, and randn / rand / randn_like / rand_like / randint drawing
 * from twinml's seeded generator (set it with `manual_seed`). Everything else tensor-shaped is in `tf`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../util/rng.js';
import { fillNormal, getDefaultGenerator } from './generator.js';

/** Options of the random helpers. */
export interface RandomOptions {
  /** Where the numbers come from (default: the global generator set by `manual_seed`). */
  generator?: Rng;
}

function checkShape(shape: number[], what: string): number {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${what}: shape must be non-negative integers, got ${JSON.stringify(shape)}`);
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * torch.flatten(input, start_dim=0, end_dim=-1): merges dimensions start_dim..end_dim into one.
 * @param input - any tensor
 * @param startDim - first dimension to merge (default 0; negative counts from the end)
 * @param endDim - last dimension to merge (default -1)
 */
export function flatten(input: tf.Tensor, startDim = 0, endDim = -1): tf.Tensor {
  if (input.rank === 0) return tf.reshape(input, [1]);
  const start = startDim < 0 ? startDim + input.rank : startDim;
  const end = endDim < 0 ? endDim + input.rank : endDim;
  if (start < 0 || end >= input.rank || start > end) throw new Error(`flatten(start_dim=${startDim}, end_dim=${endDim}) does not fit an input of rank ${input.rank}`);
  const merged = input.shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
  return tf.reshape(input, [...input.shape.slice(0, start), merged, ...input.shape.slice(end + 1)]);
}

/**
 * torch.cat(tensors, dim=0): concatenates along an existing dimension.
 * @param tensors - tensors of one rank, equal except along `dim`
 * @param dim - the dimension (default 0; negative counts from the end)
 */
export function cat(tensors: tf.Tensor[], dim = 0): tf.Tensor {
  if (tensors.length === 0) throw new Error('cat: expected a non-empty list of tensors');
  const rank = tensors[0]!.rank;
  const d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank) throw new Error(`cat: dim ${dim} is out of range for tensors of rank ${rank}`);
  return tf.concat(tensors, d);
}

/**
 * torch.split(tensor, split_size_or_sections, dim=0): pieces of `split_size` along `dim` (the last one shorter
 * when the size does not divide it), or pieces of the given sizes.
 * @param input - the tensor
 * @param splitSizeOrSections - one piece size, or the size of each piece (summing to the dimension)
 * @param dim - the dimension (default 0; negative counts from the end)
 */
export function split(input: tf.Tensor, splitSizeOrSections: number | number[], dim = 0): tf.Tensor[] {
  const d = dim < 0 ? dim + input.rank : dim;
  if (d < 0 || d >= input.rank) throw new Error(`split: dim ${dim} is out of range for a tensor of rank ${input.rank}`);
  const n = input.shape[d]!;
  if (Array.isArray(splitSizeOrSections)) {
    const total = splitSizeOrSections.reduce((a, b) => a + b, 0);
    if (total !== n) throw new Error(`split: sections [${splitSizeOrSections.join(', ')}] sum to ${total}, dimension ${dim} has ${n}`);
    return tf.split(input, splitSizeOrSections, d);
  }
  const size = splitSizeOrSections;
  if (!(Number.isInteger(size) && size > 0)) throw new Error(`split: split_size must be a positive integer, got ${size}`);
  const sizes: number[] = [];
  for (let at = 0; at < n; at += size) sizes.push(Math.min(size, n - at));
  return sizes.length <= 1 ? [input.clone()] : tf.split(input, sizes, d);
}

/**
 * torch.stack(tensors, dim=0): joins equal-shaped tensors along a new dimension.
 * @param tensors - tensors of one shape
 * @param dim - where the new dimension goes (default 0; negative counts from the end of the result)
 */
export function stack(tensors: tf.Tensor[], dim = 0): tf.Tensor {
  if (tensors.length === 0) throw new Error('stack: expected a non-empty list of tensors');
  const rank = tensors[0]!.rank + 1;
  const d = dim < 0 ? dim + rank : dim;
  if (d < 0 || d >= rank) throw new Error(`stack: dim ${dim} is out of range for a result of rank ${rank}`);
  return tf.stack(tensors, d);
}

/**
 * torch.randn(*size): standard normal float32 values from the seeded generator.
 * @param shape - the size
 * @param options - the generator
 */
export function randn(shape: number[], options: RandomOptions = {}): tf.Tensor {
  const values = new Float32Array(checkShape(shape, 'randn'));
  fillNormal(values, options.generator ?? getDefaultGenerator());
  return tf.tensor(values, shape, 'float32');
}

/**
 * torch.rand(*size): uniform float32 values in [0, 1) from the seeded generator.
 * @param shape - the size
 * @param options - the generator
 */
export function rand(shape: number[], options: RandomOptions = {}): tf.Tensor {
  const values = new Float32Array(checkShape(shape, 'rand'));
  (options.generator ?? getDefaultGenerator()).fillUniform(values, 0, 1);
  return tf.tensor(values, shape, 'float32');
}

/**
 * torch.randint(low, high, size): uniform integers in [low, high) as int32, from the seeded generator.
 * @param low - smallest value
 * @param high - one past the largest value
 * @param shape - the size
 * @param options - the generator
 */
export function randint(low: number, high: number, shape: number[], options: RandomOptions = {}): tf.Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) throw new Error(`randint: expected integers low < high, got ${low}, ${high}`);
  const values = new Int32Array(checkShape(shape, 'randint'));
  const rng = options.generator ?? getDefaultGenerator();
  for (let i = 0; i < values.length; i++) values[i] = low + rng.randint(high - low);
  return tf.tensor(values, shape, 'int32');
}

/** torch.randn_like(input): randn with the input's shape. */
export function randn_like(input: tf.Tensor, options: RandomOptions = {}): tf.Tensor {
  return randn(input.shape, options);
}

/** torch.rand_like(input): rand with the input's shape. */
export function rand_like(input: tf.Tensor, options: RandomOptions = {}): tf.Tensor {
  return rand(input.shape, options);
}
