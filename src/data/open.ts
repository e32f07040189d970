/**
 * Opens a dataset by path: a folder of images (ImageFolder layout), a .parquet file or a folder of Parquet shards
 * (Hugging Face layout), or a .csv file. Returns sample sources per split; splits missing on disk are left for
 * the caller to make (stratifiedSplit on indices, see splitSource).
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { arraySource, subsetSource, type SampleRef, type SampleSource } from './source.js';
import { imageFolderSplits } from './image-folder.js';
import { openParquetDataset } from './parquet-hf.js';
import { loadCsv, type CsvOptions } from './csv.js';
import { stratifiedIndices } from './split.js';

/** The dataset formats openDataset understands. */
export type DatasetKind = 'image-folder' | 'parquet' | 'csv';

/** An opened dataset: its kind and its splits as lazily read sample sources. */
export interface OpenedDataset {
  kind: DatasetKind;
  train: SampleSource;
  val?: SampleSource;
  test?: SampleSource;
  /** Whole files or rows found bad while opening (skip-bad mode only). */
  skipped: Array<SampleRef & { error: string }>;
}

/** Options of openDataset. */
export interface OpenOptions {
  /** Skip unreadable shards / bad rows instead of failing. */
  skipBad?: boolean;
  /** CSV columns. */
  csv?: Omit<CsvOptions, 'skipBad'>;
  /** Parquet columns. */
  imageColumn?: string;
  labelColumn?: string;
}

function hasParquet(dir: string): boolean {
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (e.toLowerCase().endsWith('.parquet')) return true;
      if (statSync(p).isDirectory()) stack.push(p);
    }
  }
  return false;
}

/** Which reader a path needs. */
export function datasetKind(path: string): DatasetKind {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new Error(`--data: ${path} does not exist`);
  if (st.isDirectory()) return hasParquet(path) ? 'parquet' : 'image-folder';
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet') return 'parquet';
  if (ext === '.csv' || ext === '.tsv') return 'csv';
  throw new Error(`--data: ${path} is not a folder, a .parquet file or a .csv file`);
}

/**
 * Opens the dataset at `path`.
 * @param path - image folder, .parquet file, folder of shards, or .csv
 * @param options - skip-bad mode and column names
 */
export async function openDataset(path: string, options: OpenOptions = {}): Promise<OpenedDataset> {
  const kind = datasetKind(path);
  if (kind === 'image-folder') return { kind, ...imageFolderSplits(path), skipped: [] };
  if (kind === 'parquet') {
    const parquetOptions = {
      ...(options.imageColumn ? { imageColumn: options.imageColumn } : {}),
      ...(options.labelColumn ? { labelColumn: options.labelColumn } : {}),
      ...(options.skipBad ? { skipBad: true } : {}),
    };
    return { kind, ...(await openParquetDataset(path, parquetOptions)) };
  }
  const csvOptions: CsvOptions = { ...(extname(path).toLowerCase() === '.tsv' ? { delimiter: '\t' } : {}), ...options.csv, ...(options.skipBad ? { skipBad: true } : {}) };
  const ds = loadCsv(path, csvOptions);
  return { kind, train: arraySource(ds), skipped: ds.skipped };
}

/**
 * A seeded, stratified split of a source's indices (labels only, nothing is decoded): each class keeps its share
 * of the `valFraction` (largest-remainder rounding, like stratifiedSplit).
 * @param source - the source to split
 * @param valFraction - share of samples for validation, in (0, 1)
 * @param seed - run seed
 */
export function splitSource(source: SampleSource, valFraction: number, seed: number): { train: SampleSource; val: SampleSource } {
  const n = source.labels.length;
  const valSize = Math.round(n * valFraction);
  if (!(valFraction > 0 && valFraction < 1) || valSize < 1 || valSize >= n) {
    throw new Error(`split: validation fraction ${valFraction} of ${n} samples leaves an empty part`);
  }
  const { trainIdx, testIdx } = stratifiedIndices(source.labels, valSize, seed);
  return { train: subsetSource(source, trainIdx), val: subsetSource(source, testIdx) };
}
