/**
 * The data side of `twinml train`: loads `--dataset` / `--data`, splits it, prints the class histogram (and the
 * imbalance warning), and builds the training batches (streamed, balanced, augmented) and the class weights.
 */
import type { ArrayDataset } from '../../data/dataset.js';
import { balancedOrder, classWeights, countClasses, reportClassBalance, type BalanceMode } from '../../data/balance.js';
import { epochStream, type BatchProvider } from '../../data/stream.js';
import { loadBuiltinSplit, loadTrainingData, type TrainingData } from '../../data/training-data.js';
import { MNIST_NORMALIZATION } from '../../data/mnist.js';
import type { TransformConfig } from '../../data/transforms.js';
import type { Normalization, Preprocessing } from '../../util/model-card.js';
import type { TrainArgs } from '../commands/train.js';

/**
 * A built-in dataset (mnist, mnist-binary:...) split in memory, as the foundation's tests use it.
 * @param dataset - the dataset spec
 * @param valFraction - validation share
 * @param splitSeed - seed of the split
 */
export function prepareData(dataset: string, valFraction: number, splitSeed: number) {
  const { all, train, val } = loadBuiltinSplit(dataset, valFraction, splitSeed);
  return { train, val, classes: all.classes, sampleShape: all.sampleShape, normalization: MNIST_NORMALIZATION, source: all.source };
}

export interface PreparedData {
  /** In memory for built-in datasets; labels only (x empty) when batches stream from `loaded.train`. */
  train: ArrayDataset;
  val: ArrayDataset;
  classes: string[];
  sampleShape: number[];
  normalization: Normalization;
  preprocessing: Preprocessing;
  source: string;
  /** Training class counts (after the split). */
  classCounts: number[];
  /** The imbalance warning printed, if any. */
  warning: string | null;
  loaded: TrainingData;
}

/** Parses `--augment hflip,crop:4`: horizontal flip p=0.5, random crop to the sample size with padding. */
export function parseAugment(value: string | undefined): Pick<TransformConfig, 'horizontalFlip'> & { cropPadding?: number } {
  const out: Pick<TransformConfig, 'horizontalFlip'> & { cropPadding?: number } = {};
  for (const part of (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const crop = /^crop:(\d+)$/.exec(part);
    if (part === 'hflip') out.horizontalFlip = 0.5;
    else if (crop) out.cropPadding = Number(crop[1]);
    else throw new Error(`--augment: "${part}" is not one of hflip, crop:<padding>`);
  }
  return out;
}

/**
 * Loads the data named by the arguments and prints the class histogram and imbalance warning.
 * @param args - the train command's arguments
 * @param log - where the histogram goes
 */
export async function prepareTrainingData(args: TrainArgs, log: (line: string) => void = console.log): Promise<PreparedData> {
  const augment = parseAugment(args.augment);
  const loaded = await loadTrainingData({
    ...(args.data ? { data: args.data } : { dataset: args.dataset }),
    valFraction: args.valFraction,
    splitSeed: args.splitSeed,
    skipBad: args.skipBad,
    ...(args.channels ? { channels: args.channels } : {}),
    ...(args.resize ? { resize: args.resize } : {}),
    ...(args.labelColumn ? { labelColumn: args.labelColumn } : {}),
    ...(args.imageColumn ? { imageColumn: args.imageColumn } : {}),
    ...(augment.horizontalFlip ? { augment: { horizontalFlip: augment.horizontalFlip } } : {}),
  });
  if (augment.cropPadding !== undefined) {
    const [, h, w] = loaded.sampleShape;
    if (h === undefined || w === undefined) throw new Error(`--augment crop needs image samples, got shape [${loaded.sampleShape.join(', ')}]`);
    loaded.trainTransform.randomCrop = { size: [h, w], padding: augment.cropPadding };
  }
  const classCounts = countClasses(loaded.train.labels, loaded.classes.length);
  const warning = reportClassBalance(classCounts, loaded.classes, args.balance as BalanceMode, log);
  if (loaded.skipped.count > 0) log(`skipped ${loaded.skipped.count} unreadable sample(s)/file(s) so far (--skip-bad); the list goes to skipped.txt`);
  return {
    train: { x: new Float32Array(0), y: loaded.train.labels, sampleShape: loaded.sampleShape, classes: loaded.classes, source: loaded.source },
    val: loaded.val,
    classes: loaded.classes,
    sampleShape: loaded.sampleShape,
    normalization: loaded.normalization,
    preprocessing: loaded.preprocessing,
    source: loaded.source,
    classCounts,
    warning,
    loaded,
  };
}

/**
 * The Trainer's batches: streamed from the training source in the balanced order of each epoch, with the
 * training transform (normalisation included), plus CrossEntropyLoss class weights for `--balance weights`.
 * @param data - the prepared data
 * @param options - balance mode, batch size, seed, prefetch depth, skip-bad mode
 */
export function trainingBatches(
  data: PreparedData,
  options: { balance: BalanceMode; batchSize: number; seed: number; prefetch?: number; skipBad?: boolean },
): { batches: BatchProvider; classWeights?: Float32Array } {
  const { loaded } = data;
  const batches = epochStream(loaded.train, {
    batchSize: options.batchSize,
    seed: options.seed,
    transform: loaded.trainTransform,
    order: (epoch) => balancedOrder(loaded.train.labels, loaded.classes.length, options.balance, options.seed, epoch),
    ...(options.prefetch ? { prefetch: options.prefetch } : {}),
    ...(options.skipBad ? { skipped: loaded.skipped } : {}),
  });
  return options.balance === 'weights' ? { batches, classWeights: Float32Array.from(classWeights(data.classCounts)) } : { batches };
}
