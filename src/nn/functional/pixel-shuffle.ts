/**
 * torch.nn.functional.pixel_shuffle and pixel_unshuffle on [*, C, H, W] inputs (any leading batch dimensions):
 * pixel_shuffle rearranges [*, C*r*r, H, W] into [*, C, H*r, W*r] (channel c*r*r + i*r + j goes to row h*r + i,
 * column w*r + j); pixel_unshuffle is its inverse. A reshape, one transpose and a reshape, as in PyTorch.
 */
import * as tf from '@tensorflow/tfjs-core';

function factor(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive integer, got ${value}`);
  return value;
}

/**
 * torch.nn.functional.pixel_shuffle(input, upscale_factor).
 * @param input - [*, C*r*r, H, W]
 * @param upscaleFactor - r
 * @returns [*, C, H*r, W*r]
 */
export function pixel_shuffle(input: tf.Tensor, upscaleFactor: number): tf.Tensor {
  const r = factor(upscaleFactor, 'pixel_shuffle: upscale_factor');
  if (input.rank < 3) throw new Error(`pixel_shuffle: expected an input of at least 3 dimensions [*, C, H, W], got shape [${input.shape.join(', ')}]`);
  const [c, h, w] = input.shape.slice(-3) as [number, number, number];
  if (c % (r * r) !== 0) throw new Error(`pixel_shuffle: the channels (${c}) must be divisible by upscale_factor squared (${r * r})`);
  const lead = input.shape.slice(0, -3);
  const n = lead.reduce((a, b) => a * b, 1);
  const oc = c / (r * r);
  return tf.tidy(() => {
    const x = tf.reshape(input, [n * oc, r, r, h, w]);
    const y = tf.transpose(x, [0, 3, 1, 4, 2]);
    return tf.reshape(y, [...lead, oc, h * r, w * r]);
  });
}

/**
 * torch.nn.functional.pixel_unshuffle(input, downscale_factor).
 * @param input - [*, C, H*r, W*r]
 * @param downscaleFactor - r
 * @returns [*, C*r*r, H, W]
 */
export function pixel_unshuffle(input: tf.Tensor, downscaleFactor: number): tf.Tensor {
  const r = factor(downscaleFactor, 'pixel_unshuffle: downscale_factor');
  if (input.rank < 3) throw new Error(`pixel_unshuffle: expected an input of at least 3 dimensions [*, C, H, W], got shape [${input.shape.join(', ')}]`);
  const [c, h, w] = input.shape.slice(-3) as [number, number, number];
  if (h % r !== 0 || w % r !== 0) throw new Error(`pixel_unshuffle: the height (${h}) and width (${w}) must be divisible by downscale_factor (${r})`);
  const lead = input.shape.slice(0, -3);
  const n = lead.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const x = tf.reshape(input, [n * c, h / r, r, w / r, r]);
    const y = tf.transpose(x, [0, 2, 4, 1, 3]);
    return tf.reshape(y, [...lead, c * r * r, h / r, w / r]);
  });
}
