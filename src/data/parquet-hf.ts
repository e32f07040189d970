/**
 * Parquet datasets in the Hugging Face `datasets` layout, read with hyparquet: an image column stored as a struct
 * `{bytes, path}` (feature type `Image`), an integer label column whose class names come from the `huggingface`
 * schema metadata key (`info.features.<label>.names` of a `ClassLabel`), and shards such as
 * `data/train-00000-of-00003.parquet` that are read as one dataset per split. The split of a shard is the file
 * name's prefix before the first `-` (`train`, `test`, `validation`) or its folder's name, else `train`.
 *
 * Memory: labels and the *encoded* image bytes are read when the dataset is opened (a truncated or corrupt shard is
 * an error naming the file at once); pixels are decoded per sample when read, so only encoded bytes stay resident.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { FileMetaData } from 'hyparquet';
import { labelsToClasses } from './class-labels.js';
import { decodeImage } from '../util/image/decode.js';
import type { SampleRef, SampleSource } from './source.js';

export interface ParquetOptions {
  /** Image column (default: the feature of type Image, else a struct column with a `bytes` field). */
  imageColumn?: string;
  /** Label column (default: the ClassLabel feature, else `label` or `labels`). */
  labelColumn?: string;
  /** Skip unreadable shards instead of failing; they are reported in `skipped`. */
  skipBad?: boolean;
}

export interface ParquetSplits {
  train: SampleSource;
  val?: SampleSource;
  test?: SampleSource;
  /** Shards skipped in skip-bad mode, with the reason. */
  skipped: Array<SampleRef & { error: string }>;
}

interface HfFeature {
  _type?: string;
  names?: string[];
}

const VALIDATION_SPLITS = ['validation', 'valid', 'val', 'dev'];

/** The .parquet files under `path` (itself when it is a file), sorted. */
export function findParquetShards(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })) throw new Error(`parquet: ${path} does not exist`);
  if (!statSync(path).isDirectory()) return [path];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.toLowerCase().endsWith('.parquet')) out.push(p);
    }
  };
  walk(path);
  if (out.length === 0) throw new Error(`parquet: no .parquet file under ${path}`);
  return out;
}

/** The split a shard belongs to, from its name (`train-00000-of-00003.parquet`) or folder (`train/0000.parquet`). */
export function shardSplit(file: string): string {
  const prefix = basename(file).toLowerCase().split(/[-_.]/)[0]!;
  const folder = basename(dirname(file)).toLowerCase();
  for (const name of [prefix, folder]) {
    if (name === 'train' || name === 'test' || VALIDATION_SPLITS.includes(name)) return VALIDATION_SPLITS.includes(name) ? 'validation' : name;
  }
  return 'train';
}

function hfFeatures(metadata: FileMetaData): Record<string, HfFeature> {
  const kv = metadata.key_value_metadata?.find((k) => k.key === 'huggingface');
  if (!kv?.value) return {};
  try {
    const parsed = JSON.parse(kv.value) as { info?: { features?: Record<string, HfFeature> } };
    return parsed.info?.features ?? {};
  } catch {
    return {};
  }
}

interface Shard {
  file: string;
  metadata: FileMetaData;
  imageColumn: string;
  labelColumn: string;
  classNames?: string[];
}

async function openShard(file: string, options: ParquetOptions): Promise<Shard> {
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  } catch (e) {
    throw new Error(`${file}: not a readable Parquet file (truncated or corrupt?): ${(e as Error).message}`);
  }
  const features = hfFeatures(metadata);
  const top = parquetSchema(metadata).children;
  const names = top.map((c) => c.element.name);
  const imageColumn =
    options.imageColumn ??
    Object.keys(features).find((k) => features[k]!._type === 'Image') ??
    top.find((c) => c.children.some((f) => f.element.name === 'bytes'))?.element.name;
  const labelColumn =
    options.labelColumn ??
    Object.keys(features).find((k) => features[k]!._type === 'ClassLabel') ??
    names.find((n) => n === 'label' || n === 'labels');
  if (!imageColumn || !names.includes(imageColumn)) {
    throw new Error(`${file}: no image column${options.imageColumn ? ` "${options.imageColumn}"` : ''} (columns: ${names.join(', ')})`);
  }
  if (!labelColumn || !names.includes(labelColumn)) {
    throw new Error(`${file}: no label column${options.labelColumn ? ` "${options.labelColumn}"` : ''} (columns: ${names.join(', ')})`);
  }
  return { file, metadata, imageColumn, labelColumn, classNames: features[labelColumn]?.names };
}

interface ShardRows {
  shard: Shard;
  images: Array<Uint8Array | null>;
  labels: Array<number | string>;
}

async function readShard(shard: Shard): Promise<ShardRows> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = await parquetReadObjects({
      file: await asyncBufferFromFile(shard.file),
      metadata: shard.metadata,
      columns: [shard.imageColumn, shard.labelColumn],
      utf8: false,
    });
  } catch (e) {
    throw new Error(`${shard.file}: cannot read columns ${shard.imageColumn}, ${shard.labelColumn}: ${(e as Error).message}`);
  }
  const images: Array<Uint8Array | null> = [];
  const labels: Array<number | string> = [];
  rows.forEach((row, i) => {
    const cell = row[shard.imageColumn] as { bytes?: unknown } | Uint8Array | null;
    const bytes = cell instanceof Uint8Array ? cell : cell?.bytes;
    images.push(bytes instanceof Uint8Array ? bytes : null);
    const raw = row[shard.labelColumn];
    if (typeof raw === 'bigint') labels.push(Number(raw));
    else if (typeof raw === 'number') labels.push(raw);
    else if (raw instanceof Uint8Array) labels.push(new TextDecoder().decode(raw));
    else if (typeof raw === 'string') labels.push(raw);
    else throw new Error(`${shard.file} row ${i}: label column "${shard.labelColumn}" is ${raw === null ? 'null' : typeof raw}`);
  });
  return { shard, images, labels };
}

function splitSource(parts: ShardRows[], classes: string[], labels: Int32Array, source: string): SampleSource {
  const where: Array<{ part: ShardRows; row: number }> = [];
  for (const part of parts) part.images.forEach((_, row) => where.push({ part, row }));
  return {
    classes,
    labels,
    source,
    ref: (index) => ({ file: where[index]!.part.shard.file, row: where[index]!.row }),
    read: async (index, decode) => {
      const { part, row } = where[index]!;
      const name = `${part.shard.file} row ${row}`;
      const bytes = part.images[row];
      if (!bytes) throw new Error(`${name}: image column "${part.shard.imageColumn}" has no bytes`);
      return { kind: 'image', image: await decodeImage(bytes, name, decode) };
    },
  };
}

/**
 * Opens a .parquet file or a folder of shards as train (and validation/test when such shards exist).
 * @param path - a .parquet file or a folder searched recursively for .parquet files
 * @param options - column names and skip-bad mode
 */
export async function openParquetDataset(path: string, options: ParquetOptions = {}): Promise<ParquetSplits> {
  const skipped: ParquetSplits['skipped'] = [];
  const bySplit = new Map<string, ShardRows[]>();
  for (const file of findParquetShards(path)) {
    let rows: ShardRows;
    try {
      rows = await readShard(await openShard(file, options));
    } catch (e) {
      if (!options.skipBad) throw e;
      skipped.push({ file, error: (e as Error).message });
      continue;
    }
    const split = shardSplit(file);
    bySplit.set(split, [...(bySplit.get(split) ?? []), rows]);
  }
  const all = [...bySplit.values()].flat();
  if (all.length === 0) throw new Error(`parquet: no readable shard under ${path}`);
  const names = all.find((p) => p.shard.classNames)?.shard.classNames;
  const rawLabels = all.flatMap((p) => p.labels);
  // ClassLabel names: labels are indices into them. Otherwise classes are the distinct values over all splits.
  const mapped = names ? null : labelsToClasses(rawLabels);
  const classes = names ?? mapped!.classes;
  let offset = 0;
  const make = (parts: ShardRows[] | undefined): SampleSource | undefined => {
    if (!parts) return undefined;
    const n = parts.reduce((a, p) => a + p.labels.length, 0);
    const labels = new Int32Array(n);
    let k = 0;
    for (const p of parts) {
      p.labels.forEach((v, row) => {
        const label = mapped ? mapped.labels[offset + k]! : Number(v);
        if (!Number.isInteger(label) || label < 0 || label >= classes.length) {
          throw new Error(`${p.shard.file} row ${row}: label ${String(v)} is not a class index 0..${classes.length - 1} (${classes.join(', ')})`);
        }
        labels[k++] = label;
      });
    }
    offset += n;
    return splitSource(parts, classes, labels, path);
  };
  // Same order as `all` (Map insertion order) so the offsets into `mapped` line up.
  const sources = new Map([...bySplit.keys()].map((s) => [s, make(bySplit.get(s))!]));
  const train = sources.get('train') ?? (sources.size === 1 ? [...sources.values()][0]! : undefined);
  if (!train) throw new Error(`parquet: no train shard under ${path} (splits found: ${[...sources.keys()].join(', ')})`);
  const val = sources.get('validation') ?? (train === sources.get('train') ? sources.get('test') : undefined);
  const test = sources.get('validation') ? sources.get('test') : undefined;
  return { train, ...(val ? { val } : {}), ...(test ? { test } : {}), skipped };
}
