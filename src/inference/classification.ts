/** Reading classifier outputs: softmax top-k for `head: 'softmax'`, the sign of one score for `head: 'sign'`. */
import type { ModelCard } from '../util/model-card.js';
import type { Classification, ClassScore, OutputTensor } from './types.js';

/** Numerically stable softmax of one row. */
export function softmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i]! - max);
  for (let i = 0; i < row.length; i++) out[i]! /= sum;
  return out;
}

function labelOf(labels: string[], index: number): string {
  return labels[index] ?? String(index);
}

/**
 * Turns a classifier output ([batch, classes] logits, or [batch, 1] / [batch] scores for a sign head) into the
 * best classes of each sample.
 * @param output - The model's output tensor (float).
 * @param options - head ('softmax' | 'sign'), labels, and top (default 5).
 */
export function topClasses(
  output: OutputTensor,
  options: { head: ModelCard['head']; labels: string[]; top?: number },
): Classification[] {
  if (typeof output.data[0] === 'bigint') throw new Error('topClasses: the output is an integer tensor, not scores');
  const values = output.data as ArrayLike<number>;
  const batch = output.shape.length === 0 ? 1 : output.shape[0]!;
  const width = batch === 0 ? 0 : values.length / batch;
  const results: Classification[] = [];
  for (let b = 0; b < batch; b++) {
    const row = Array.from({ length: width }, (_, i) => values[b * width + i]!);
    if (options.head === 'sign') {
      if (width !== 1) throw new Error(`topClasses: a sign head needs one score per sample, got ${width}`);
      const score = row[0]!;
      const index = score > 0 ? 1 : 0;
      results.push({ top: [{ index, label: labelOf(options.labels, index), probability: 1, score }] });
      continue;
    }
    const probs = softmax(row);
    const order = Array.from(probs.keys()).sort((i, j) => probs[j]! - probs[i]! || i - j);
    const k = Math.max(1, Math.min(options.top ?? 5, width));
    const top: ClassScore[] = order
      .slice(0, k)
      .map((index) => ({ index, label: labelOf(options.labels, index), probability: probs[index]!, score: row[index]! }));
    results.push({ top });
  }
  return results;
}
