/**
 * Batches of an in-memory dataset, shuffled each epoch from a seeded generator (like a DataLoader with a
 * seeded RandomSampler). The permutation for epoch e depends only on (seed, e), so a run can resume mid-epoch.
 */
import { Rng } from '../util/rng.js';
import type { ArrayDataset } from './dataset.js';
import type { Normalization } from '../util/model-card.js';
import { sampleSize } from './dataset.js';

/** One batch as typed arrays: features `x` (flat, [batch, ...sampleShape]), labels `y`. */
export interface Batch {
  /** Flat features of the batch. */
  x: Float32Array;
  y: Int32Array;
  /** [batch, ...sampleShape] */
  shape: number[];
}

/** How epochBatches batches: size, seeded shuffling, dropping the last short batch, normalisation. */
export interface LoaderOptions {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  dropLast?: boolean;
  normalization?: Normalization;
}

/** The sample order of an epoch: a permutation that depends only on (seed, epoch), or 0..n-1 without shuffling. */
export function epochOrder(n: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  if (!shuffle) return Int32Array.from({ length: n }, (_, i) => i);
  return Rng.derive(seed, `epoch-${epoch}`).permutation(n);
}

/** The number of batches of an epoch. */
export function numBatches(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * (x - mean[c]) / std[c] in place over whole samples; the channel is dimension 0 of the sample shape
 * (C of C,H,W; the feature of a [D] vector when mean has D entries). A single mean/std applies to every channel.
 * @param data - samples back to back
 * @param sampleShape - shape of one sample
 * @param norm - per-channel mean and std
 */
export function normalizeInto(data: Float32Array, sampleShape: number[], norm: Normalization): void {
  const d = sampleShape.reduce((a, b) => a * b, 1);
  const channels = norm.mean.length > 1 || sampleShape.length >= 3 ? sampleShape[0]! : 1;
  const perChannel = d / channels;
  for (let s = 0; s < data.length; s += d) {
    for (let c = 0; c < channels; c++) {
      const mean = norm.mean[c] ?? norm.mean[0]!;
      const std = norm.std[c] ?? norm.std[0]!;
      const base = s + c * perChannel;
      for (let i = 0; i < perChannel; i++) data[base + i] = (data[base + i]! - mean) / std;
    }
  }
}

/** The batches of one epoch, starting at `startBatch` (for mid-epoch resume). */
export function* epochBatches(ds: ArrayDataset, epoch: number, options: LoaderOptions, startBatch = 0): Generator<Batch> {
  const n = ds.y.length;
  const d = sampleSize(ds);
  const order = epochOrder(n, options.seed, epoch, options.shuffle);
  const total = numBatches(n, options.batchSize, options.dropLast);
  for (let b = startBatch; b < total; b++) {
    const start = b * options.batchSize;
    const end = Math.min(start + options.batchSize, n);
    const size = end - start;
    const x = new Float32Array(size * d);
    const y = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const j = order[start + i]!;
      x.set(ds.x.subarray(j * d, (j + 1) * d), i * d);
      y[i] = ds.y[j]!;
    }
    if (options.normalization) normalizeInto(x, ds.sampleShape, options.normalization);
    yield { x, y, shape: [size, ...ds.sampleShape] };
  }
}
