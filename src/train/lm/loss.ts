/** The language-model loss: cross entropy of logits [B, T, V] against the next tokens [B, T] (nanoGPT's). */
import * as tf from '@tensorflow/tfjs-core';
import { cross_entropy } from '../../nn/loss/index.js';

/**
 * F.cross_entropy(logits.view(-1, V), targets.view(-1)).
 * @param logits - [B, T, V]
 * @param targets - int32 [B, T]
 */
export function languageModelLoss(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  const v = logits.shape[logits.rank - 1]!;
  return cross_entropy(tf.reshape(logits, [-1, v]), tf.reshape(targets, [-1]));
}
