/**
 * Everything training needs from a dataset named on the command line (`--dataset mnist...` or `--data <path>`):
 * the training samples as a lazily read source, the validation set in memory, the class names, the sample shape,
 * the normalisation, the training transform and the evaluation transform as the model card's Preprocessing.
 * The split is the data's own (train/ + val/ folders, test/validation shards) or a seeded stratified one.
 */
import type { Normalization, Preprocessing } from '../util/model-card.js';
import { Rng } from '../util/rng.js';
import type { ArrayDataset } from './dataset.js';
import { loadMnist, MNIST_NORMALIZATION, parseMnistSpec } from './mnist.js';
import { stratifiedSplit } from './split.js';
import { openDataset, splitSource, type DatasetKind } from './open.js';
import { arraySource, subsetSource, type SampleSource } from './source.js';
import { materialize, SkippedSamples } from './stream.js';
import { evalTransform, preprocessingOf, type TransformConfig } from './transforms.js';

/** Where training data comes from and how it is split, decoded and augmented. */
export interface TrainingDataOptions {
  /** A built-in dataset spec: mnist, mnist-binary:<a>, mnist-binary:<a>,<b>. */
  dataset?: string;
  /** A path: image folder, .parquet file, folder of Parquet shards, or .csv (wins over `dataset`). */
  data?: string;
  /** Validation share when the data has no split of its own. */
  valFraction: number;
  splitSeed: number;
  /** Skip unreadable images / shards / rows and list them instead of failing. */
  skipBad?: boolean;
  /** Decode images to 1 or 3 channels (default: as stored). */
  channels?: number;
  /** Resize images to [height, width] (default: keep the size; every image must then have the same size). */
  resize?: [number, number];
  /** Training-only augmentation. */
  augment?: Pick<TransformConfig, 'randomCrop' | 'horizontalFlip'>;
  /** Label column (CSV, Parquet), image column (Parquet), feature columns (CSV). */
  labelColumn?: string;
  imageColumn?: string;
  featureColumns?: string[];
  /** Samples used to estimate image mean/std (default 1000). */
  statsSamples?: number;
}

/** Training data ready for a training loop: streamed train split, in-memory validation set, normalisation. */
export interface TrainingData {
  kind: 'mnist' | DatasetKind;
  /** The training samples, read lazily (in-memory data is wrapped). */
  train: SampleSource;
  /** The validation set in memory, evaluation transform applied, not normalised (the Trainer normalises). */
  val: ArrayDataset;
  classes: string[];
  sampleShape: number[];
  normalization: Normalization;
  /** The transform of training batches: decode, augmentation, scaling, normalisation. */
  trainTransform: TransformConfig;
  /** The evaluation transform as recorded in the model card. */
  preprocessing: Preprocessing;
  source: string;
  /** Bad samples skipped so far (grows while training streams). */
  skipped: SkippedSamples;
}

/** Mean and std per channel (dimension 0) of `ds`; a zero std becomes 1. */
function channelStats(ds: ArrayDataset): Normalization {
  const channels = ds.sampleShape[0]!;
  const d = ds.x.length / Math.max(ds.y.length, 1);
  const per = d / channels;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (let s = 0; s < ds.y.length; s++) {
      const base = s * d + c * per;
      for (let i = 0; i < per; i++) {
        const v = ds.x[base + i]!;
        sum += v;
        sq += v * v;
        n++;
      }
    }
    const m = sum / n;
    const sd = Math.sqrt(Math.max(sq / n - m * m, 0));
    mean.push(Number(m.toFixed(6)));
    std.push(sd > 1e-12 ? Number(sd.toFixed(6)) : 1);
  }
  return { mean, std };
}

/**
 * A built-in dataset split into train and validation (seeded, stratified), in memory.
 * @param spec - mnist, mnist-binary:<a> or mnist-binary:<a>,<b>
 * @param valFraction - validation share
 * @param splitSeed - seed of the split
 */
export function loadBuiltinSplit(spec: string, valFraction: number, splitSeed: number): { all: ArrayDataset; train: ArrayDataset; val: ArrayDataset } {
  const parsed = parseMnistSpec(spec);
  if (!parsed) throw new Error(`unknown dataset "${spec}"; choose mnist, mnist-binary:<digit> or mnist-binary:<digit>,<digit>, or pass --data <path>`);
  const all = loadMnist(parsed);
  const { train, test } = stratifiedSplit(all, Math.round(all.y.length * valFraction), splitSeed);
  return { all, train, val: test };
}

function fromMnist(spec: string, options: TrainingDataOptions): TrainingData {
  const { all, train, val: test } = loadBuiltinSplit(spec, options.valFraction, options.splitSeed);
  const normalization = MNIST_NORMALIZATION;
  const trainTransform: TransformConfig = { ...options.augment, scale: 1, normalize: normalization };
  return {
    kind: 'mnist',
    train: arraySource(train),
    val: test,
    classes: all.classes,
    sampleShape: all.sampleShape,
    normalization,
    trainTransform,
    // Inference feeds 8-bit 28x28 gray images: channels 1, resize 28x28, scale 1/255, then the MNIST normalisation.
    preprocessing: { channels: 1, resize: [28, 28], scale: 1 / 255, normalize: normalization },
    source: all.source,
    skipped: new SkippedSamples(),
  };
}

/**
 * Opens and prepares the dataset for training.
 * @param options - which data, split, decoding and skip-bad mode
 */
export async function loadTrainingData(options: TrainingDataOptions): Promise<TrainingData> {
  if (!options.data) return fromMnist(options.dataset ?? 'mnist', options);
  const skipped = new SkippedSamples();
  const opened = await openDataset(options.data, {
    ...(options.skipBad ? { skipBad: true } : {}),
    ...(options.imageColumn ? { imageColumn: options.imageColumn } : {}),
    ...(options.labelColumn ? { labelColumn: options.labelColumn } : {}),
    csv: { ...(options.labelColumn ? { labelColumn: options.labelColumn } : {}), ...(options.featureColumns ? { featureColumns: options.featureColumns } : {}) },
  });
  for (const s of opened.skipped) skipped.add(s, s.error);
  const split = opened.val ? { train: opened.train, val: opened.val } : splitSource(opened.train, options.valFraction, options.splitSeed);
  const isImage = opened.kind !== 'csv';
  const decode: TransformConfig = { ...(options.channels ? { channels: options.channels } : {}), ...(options.resize ? { resize: options.resize } : {}) };
  const skipOption = options.skipBad ? { skipped } : {};
  // Validation set: evaluation transform, not normalised (the Trainer's evaluate normalises).
  const val = await materialize(split.val, evalTransform(decode), skipOption);
  // Normalisation from the training data: per channel for images (up to statsSamples images), per feature for CSV.
  const n = split.train.labels.length;
  const take = Math.min(n, options.statsSamples ?? 1000);
  const pick = Rng.derive(options.splitSeed, 'normalization-sample').permutation(n).subarray(0, take);
  const sample = await materialize(subsetSource(split.train, pick), evalTransform(decode), skipOption);
  const normalization = isImage ? channelStats(sample) : channelStats({ ...sample, sampleShape: [sample.sampleShape[0]!, 1] });
  const trainTransform: TransformConfig = { ...decode, ...options.augment, normalize: normalization };
  const preprocessing = preprocessingOf(trainTransform, isImage);
  if (isImage) {
    // Inference may see any size and colour: record the decoded size and channels the model was trained on.
    preprocessing.channels ??= val.sampleShape[0]!;
    if (!preprocessing.resize && !preprocessing.centerCrop) preprocessing.resize = [val.sampleShape[1]!, val.sampleShape[2]!];
  }
  return {
    kind: opened.kind,
    train: split.train,
    val,
    classes: split.train.classes,
    sampleShape: val.sampleShape,
    normalization,
    trainTransform,
    preprocessing,
    source: options.data,
    skipped,
  };
}
