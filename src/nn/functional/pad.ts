/** torch.nn.functional.pad: constant, reflect, replicate and circular padding of the last dimensions. */
import * as tf from '@tensorflow/tfjs-core';

/** torch's padding modes. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of {@link pad}. */
export interface PadOptions {
  /** 'constant' (default), 'reflect', 'replicate' or 'circular'. */
  mode?: PadMode;
  /** The fill value of 'constant' padding (default 0). */
  value?: number;
}

/**
 * Pads dimension `axis` by (before, after) slices: mirrored without the edge ('reflect'), copies of the edge
 * ('replicate') or wrapped around ('circular'). Built from slices, reverse and concat so that the gradient adds
 * every copy back (tfjs's MirrorPad gradient drops the reflected contributions).
 */
function padByConcat(x: tf.Tensor, axis: number, before: number, after: number, mode: 'reflect' | 'replicate' | 'circular'): tf.Tensor {
  const size = x.shape[axis]!;
  const slice = (start: number, length: number) => {
    const begin = x.shape.map(() => 0);
    const len = [...x.shape];
    begin[axis] = start;
    len[axis] = length;
    return tf.slice(x, begin, len);
  };
  const parts: tf.Tensor[] = [];
  if (before > 0) {
    if (mode === 'reflect') parts.push(tf.reverse(slice(1, before), axis));
    else if (mode === 'replicate') parts.push(tf.concat(Array<tf.Tensor>(before).fill(slice(0, 1)), axis));
    else parts.push(slice(size - before, before));
  }
  parts.push(x);
  if (after > 0) {
    if (mode === 'reflect') parts.push(tf.reverse(slice(size - 1 - after, after), axis));
    else if (mode === 'replicate') parts.push(tf.concat(Array<tf.Tensor>(after).fill(slice(size - 1, 1)), axis));
    else parts.push(slice(0, after));
  }
  return parts.length === 1 ? x : tf.concat(parts, axis);
}

/**
 * torch.nn.functional.pad(input, pad, mode='constant', value=0). As in torch, `pad` lists (before, after) pairs
 * starting from the LAST dimension: [left, right] pads the last one, [left, right, top, bottom] the last two.
 * @param input - any shape (reflect/replicate/circular pad at most the last 3 dimensions, like torch)
 * @param pad - an even number of non-negative sizes, last dimension first
 * @param options - mode and the constant value
 */
export function pad(input: tf.Tensor, pad: number[], options: PadOptions = {}): tf.Tensor {
  const mode = options.mode ?? 'constant';
  if (!['constant', 'reflect', 'replicate', 'circular'].includes(mode)) throw new Error(`F.pad: mode must be constant, reflect, replicate or circular, got '${mode}'`);
  if (pad.length % 2 !== 0 || pad.length / 2 > input.rank) {
    throw new Error(`F.pad: pad must hold (before, after) pairs for at most ${input.rank} dimensions, got [${pad.join(', ')}]`);
  }
  if (pad.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`F.pad: pad sizes must be non-negative integers, got [${pad.join(', ')}]`);
  if (mode !== 'constant' && options.value !== undefined && options.value !== 0) throw new Error(`F.pad: value applies to mode 'constant' only (mode is '${mode}')`);
  const pairs: Array<[number, number]> = input.shape.map(() => [0, 0]);
  for (let i = 0; i < pad.length / 2; i++) pairs[input.rank - 1 - i] = [pad[2 * i]!, pad[2 * i + 1]!];
  if (mode === 'constant') return tf.pad(input, pairs, options.value ?? 0);
  if (pad.length / 2 > 3 || pad.length / 2 > input.rank - 1) {
    throw new Error(`F.pad: mode '${mode}' pads at most the last 3 dimensions and never the first (batch) one; got ${pad.length / 2} dimensions for rank ${input.rank}`);
  }
  for (let axis = 0; axis < input.rank; axis++) {
    const [before, after] = pairs[axis]!;
    const size = input.shape[axis]!;
    if (mode === 'reflect' && (before >= size || after >= size)) throw new Error(`F.pad: reflect padding (${before}, ${after}) must be smaller than dimension ${axis} (size ${size})`);
    if (mode === 'circular' && (before > size || after > size)) throw new Error(`F.pad: circular padding (${before}, ${after}) must not exceed dimension ${axis} (size ${size})`);
  }
  return tf.tidy(() => {
    let out = input;
    for (let axis = 0; axis < input.rank; axis++) {
      const [before, after] = pairs[axis]!;
      if (before || after) out = padByConcat(out, axis, before, after, mode);
    }
    return out === input ? input.clone() : out;
  });
}
