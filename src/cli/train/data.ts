/** Loads the dataset named on the command line and splits it into train/validation. */
import type { ArrayDataset } from '../../data/dataset.js';
import { loadMnist, MNIST_NORMALIZATION, parseMnistSpec } from '../../data/mnist.js';
import { stratifiedSplit } from '../../data/split.js';
import type { Normalization } from '../../util/model-card.js';

export interface PreparedData {
  train: ArrayDataset;
  val: ArrayDataset;
  classes: string[];
  sampleShape: number[];
  normalization: Normalization;
  source: string;
}

export function prepareData(dataset: string, valFraction: number, splitSeed: number): PreparedData {
  const spec = parseMnistSpec(dataset);
  if (!spec) throw new Error(`unknown dataset "${dataset}"; choose mnist, mnist-binary:<digit> or mnist-binary:<digit>,<digit>`);
  const all = loadMnist(spec);
  const valSize = Math.round(all.y.length * valFraction);
  const { train, test } = stratifiedSplit(all, valSize, splitSeed);
  return { train, val: test, classes: all.classes, sampleShape: all.sampleShape, normalization: MNIST_NORMALIZATION, source: all.source };
}
