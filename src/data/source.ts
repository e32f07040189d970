/**
 * A sample source: labels known up front (so splits, class histograms and balancing need no decoding), samples
 * read on demand (so a dataset larger than memory can stream). Image folders, Parquet shards, CSV files and
 * in-memory arrays all become one of these.
 */
import type { ArrayDataset } from './dataset.js';
import { sampleSize } from './dataset.js';
import type { DecodeOptions } from '../util/image/decode.js';
import type { RawImage } from '../util/image/raw-image.js';

/** Where a sample lives, for error messages and the skipped-samples list. */
export interface SampleRef {
  file: string;
  /** Row in a Parquet or CSV file (0-based data row), absent for one-file-per-sample sources. */
  row?: number;
}

export function describeRef(ref: SampleRef): string {
  return ref.row === undefined ? ref.file : `${ref.file} row ${ref.row}`;
}

/** A read sample before transforms: an 8-bit image, or a feature vector already in its final shape. */
export type RawSample = { kind: 'image'; image: RawImage } | { kind: 'vector'; data: Float32Array; shape: number[] };

/** Samples read lazily (images decoded on demand), with their labels and class names. */
export interface SampleSource {
  /** Class names, index = label. */
  readonly classes: string[];
  /** Label per sample. */
  readonly labels: Int32Array;
  /** Where the data came from (the path or dataset spec). */
  readonly source: string;
  /** Where sample `index` lives. */
  ref(index: number): SampleRef;
  /**
   * Reads and decodes sample `index`; rejects with an error naming the file (and row) when it is unreadable.
   * @param index - sample index
   * @param decode - image decoding options (ignored by vector sources)
   */
  read(index: number, decode: DecodeOptions): Promise<RawSample>;
}

/** A source over an in-memory dataset (MNIST, CSV): samples are views, nothing is decoded. */
export function arraySource(ds: ArrayDataset): SampleSource {
  const d = sampleSize(ds);
  return {
    classes: ds.classes,
    labels: ds.y,
    source: ds.source,
    ref: (index) => ({ file: ds.source, row: index }),
    read: async (index) => ({ kind: 'vector', data: ds.x.subarray(index * d, (index + 1) * d), shape: ds.sampleShape }),
  };
}

/** The samples of `source` at `indices`, as a new source (labels re-indexed, reads delegated). */
export function subsetSource(source: SampleSource, indices: ArrayLike<number>): SampleSource {
  const map = Int32Array.from(indices);
  return {
    classes: source.classes,
    labels: Int32Array.from(map, (i) => source.labels[i]!),
    source: source.source,
    ref: (index) => source.ref(map[index]!),
    read: (index, decode) => source.read(map[index]!, decode),
  };
}
