/**
 * Loss estimates of a language model on fixed windows of a split (no randomness, so a TS run and its PyTorch
 * twin evaluate the same text): non-overlapping windows of block_size tokens at offsets 0, T, 2T, ..., evenly
 * thinned to at most `maxWindows`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import { languageModelLoss } from './loss.js';

/**
 * The window offsets of a split: all non-overlapping ones, or `maxWindows` of them spread evenly.
 * @param length - tokens in the split
 * @param blockSize - window length
 * @param maxWindows - cap (Infinity = all)
 */
export function evaluationOffsets(length: number, blockSize: number, maxWindows: number): number[] {
  const count = Math.floor((length - 1) / blockSize);
  const all = Array.from({ length: count }, (_, i) => i * blockSize);
  if (count <= maxWindows) return all;
  return Array.from({ length: maxWindows }, (_, i) => all[Math.floor((i * count) / maxWindows)]!);
}

/**
 * Mean cross entropy per token over the windows (eval mode, no gradients; batches of `batchSize` windows).
 * @param model - maps int32 [B, T] to logits [B, T, V]
 * @param tokens - the split
 * @param options - blockSize, batchSize, maxWindows
 */
export function evaluateLoss(model: Module, tokens: Int32Array, options: { blockSize: number; batchSize: number; maxWindows: number }): number {
  const { blockSize, batchSize } = options;
  const offsets = evaluationOffsets(tokens.length, blockSize, options.maxWindows);
  if (offsets.length === 0) throw new Error(`evaluateLoss: ${tokens.length} tokens hold no window of block_size ${blockSize} plus its next token`);
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  try {
    for (let start = 0; start < offsets.length; start += batchSize) {
      const rows = offsets.slice(start, start + batchSize);
      const x = new Int32Array(rows.length * blockSize);
      const y = new Int32Array(rows.length * blockSize);
      rows.forEach((o, r) => {
        x.set(tokens.subarray(o, o + blockSize), r * blockSize);
        y.set(tokens.subarray(o + 1, o + 1 + blockSize), r * blockSize);
      });
      const loss = tf.tidy(() => {
        const logits = model.call(tf.tensor2d(x, [rows.length, blockSize], 'int32'));
        return languageModelLoss(logits as tf.Tensor, tf.tensor2d(y, [rows.length, blockSize], 'int32'));
      });
      total += loss.dataSync()[0]! * rows.length;
      loss.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  return total / offsets.length;
}
