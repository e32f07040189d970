/** torch.nn.functional.dropout on twinml's seeded generator. */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng.js';
import { bernoulliKeepMask } from '../dropout.js';
import { getDefaultGenerator } from '../generator.js';

/** Options of {@link dropout}. */
export interface DropoutFunctionalOptions {
  /** Where the mask's random numbers come from (default: the global generator set by `manual_seed`). */
  generator?: Rng;
}

/**
 * torch.nn.functional.dropout(input, p=0.5, training=True): in training, zeroes each element with probability
 * `p` and scales the others by 1/(1-p); returns a copy of the input when `training` is false or p is 0.
 * @param input - any shape
 * @param p - the probability of an element being zeroed, in [0, 1] (default 0.5)
 * @param training - apply dropout (default true, as in torch; pass `this.training` from a module)
 * @param options - the generator to draw the mask from
 */
export function dropout(input: tf.Tensor, p = 0.5, training = true, options: DropoutFunctionalOptions = {}): tf.Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`F.dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return input.clone();
  if (p === 1) return tf.zerosLike(input);
  const mask = bernoulliKeepMask(input.shape, p, options.generator ?? getDefaultGenerator());
  return tf.tidy(() => tf.mul(input, tf.mul(tf.tensor(mask, input.shape, 'float32'), 1 / (1 - p))));
}
