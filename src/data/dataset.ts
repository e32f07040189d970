/**
 * An in-memory dataset of samples with a fixed feature shape (PyTorch layout, e.g. [1, 28, 28]) and integer labels.
 * Kept as flat typed arrays so batches are cheap slices.
 */
export type { Normalization } from '../util/model-card.js';

/** An in-memory dataset: flat features in PyTorch layout and integer labels. */
export interface ArrayDataset {
  /** Flat features, sample-major: N * prod(sampleShape). */
  x: Float32Array;
  /** Class index per sample. */
  y: Int32Array;
  /** Shape of one sample, PyTorch layout (C,H,W for images). */
  sampleShape: number[];
  /** Class names, index = label. */
  classes: string[];
  /** Where the data came from (for the run config and the model card). */
  source: string;
}

/** The number of values of one sample. */
export function sampleSize(ds: Pick<ArrayDataset, 'sampleShape'>): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}

/** The number of samples. */
export function datasetLength(ds: Pick<ArrayDataset, 'y'>): number {
  return ds.y.length;
}

/** The subset of `ds` at `indices`, in that order. */
export function subset(ds: ArrayDataset, indices: ArrayLike<number>): ArrayDataset {
  const d = sampleSize(ds);
  const x = new Float32Array(indices.length * d);
  const y = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    x.set(ds.x.subarray(j * d, (j + 1) * d), i * d);
    y[i] = ds.y[j]!;
  }
  return { ...ds, x, y };
}

/** Per-class counts. */
export function classHistogram(ds: Pick<ArrayDataset, 'y' | 'classes'>): number[] {
  const counts = new Array<number>(ds.classes.length).fill(0);
  for (const label of ds.y) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}
