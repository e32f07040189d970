/**
 * torch.nn.functional.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
 * is_causal=False, scale=None): softmax(q·kᵀ·scale + mask)·v over the last two dimensions, with PyTorch's mask
 * conventions (a bool mask marks the positions that take part; a float mask is added to the scores).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../util/rng.js';
import { bernoulliKeepMask } from '../dropout.js';
import { getDefaultGenerator } from '../generator.js';

/** Options of {@link scaled_dot_product_attention} (torch's keyword arguments, camelCase). */
export interface ScaledDotProductAttentionOptions {
  /**
   * [..., L, S] broadcastable to the scores: bool (true = takes part, false = masked out) or float (added to
   * the scores, e.g. -Infinity to mask).
   */
  attnMask?: tf.Tensor | null;
  /** Dropout probability on the attention weights (default 0; applied whenever > 0, as torch does). */
  dropoutP?: number;
  /** A causal (lower-triangular, top-left aligned) mask; cannot be combined with attnMask (default false). */
  isCausal?: boolean;
  /** Scale of q·kᵀ (default 1/sqrt(E)). */
  scale?: number | null;
  /** Where the dropout mask comes from (default: the global generator). */
  generator?: Rng;
}

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/** The [L, S] causal mask (true on and below the diagonal), as torch builds it for is_causal. */
export function causalMask(targetLength: number, sourceLength: number): tf.Tensor2D {
  const data = new Uint8Array(targetLength * sourceLength);
  for (let l = 0; l < targetLength; l++) for (let s = 0; s <= Math.min(l, sourceLength - 1); s++) data[l * sourceLength + s] = 1;
  return tf.tensor2d(data, [targetLength, sourceLength], 'bool');
}

/** Adds a bool or float mask to the scores (bool false -> -Infinity). */
export function applyAttentionMask(scores: tf.Tensor, mask: tf.Tensor, what: string): tf.Tensor {
  try {
    tf.broadcast_util.assertAndGetBroadcastShape(scores.shape, mask.shape);
  } catch {
    throw new Error(`${what}: attn_mask of shape ${shapeText(mask)} does not broadcast to the attention scores' shape ${shapeText(scores)}`);
  }
  if (mask.dtype === 'bool') return tf.where(tf.broadcastTo(mask, scores.shape), scores, tf.fill(scores.shape, -Infinity));
  if (mask.dtype !== 'float32') throw new Error(`${what}: attn_mask must be bool or float32, got ${mask.dtype}`);
  return tf.add(scores, mask);
}

/** q·kᵀ for [..., L, E] x [..., S, E] (batch dimensions broadcast). */
function batchedScores(q: tf.Tensor, k: tf.Tensor): tf.Tensor {
  return tf.matMul(q, k, false, true);
}

/**
 * torch.nn.functional.scaled_dot_product_attention: softmax(q·kᵀ·scale + mask)·v.
 * @param query - [..., L, E]
 * @param key - [..., S, E]
 * @param value - [..., S, Ev]
 * @param options - attnMask, dropoutP, isCausal, scale, generator
 * @returns [..., L, Ev]
 */
export function scaled_dot_product_attention(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, options: ScaledDotProductAttentionOptions = {}): tf.Tensor {
  const what = 'F.scaled_dot_product_attention';
  if (query.rank < 2 || key.rank < 2 || value.rank < 2) throw new Error(`${what}: query, key and value need at least 2 dimensions, got ${shapeText(query)}, ${shapeText(key)}, ${shapeText(value)}`);
  const e = query.shape[query.rank - 1]!;
  const l = query.shape[query.rank - 2]!;
  const s = key.shape[key.rank - 2]!;
  if (key.shape[key.rank - 1] !== e) throw new Error(`${what}: key's last dimension ${key.shape[key.rank - 1]} differs from query's ${e} (query ${shapeText(query)}, key ${shapeText(key)})`);
  if (value.shape[value.rank - 2] !== s) throw new Error(`${what}: value has ${value.shape[value.rank - 2]} positions, key has ${s} (key ${shapeText(key)}, value ${shapeText(value)})`);
  const dropoutP = options.dropoutP ?? 0;
  if (!(dropoutP >= 0 && dropoutP <= 1)) throw new Error(`${what}: dropout_p must be in [0, 1], got ${dropoutP}`);
  if (options.isCausal && options.attnMask) throw new Error(`${what}: pass either attn_mask or is_causal, not both (as torch)`);
  const scale = options.scale ?? 1 / Math.sqrt(e);
  return tf.tidy(() => {
    let scores = tf.mul(batchedScores(query, key), scale);
    if (options.isCausal) scores = applyAttentionMask(scores, causalMask(l, s), what);
    else if (options.attnMask) scores = applyAttentionMask(scores, options.attnMask, what);
    let weights = tf.softmax(scores);
    if (dropoutP > 0) {
      const keep = bernoulliKeepMask(weights.shape, dropoutP, options.generator ?? getDefaultGenerator());
      weights = tf.mul(weights, tf.mul(tf.tensor(keep, weights.shape, 'float32'), 1 / (1 - dropoutP)));
    }
    return tf.matMul(weights, value);
  });
}
