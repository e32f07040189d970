import type { ArrayDataset } from '../../src/data/dataset.js';
import { subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { stratifiedSplit } from '../../src/data/split.js';

/** A fixed, spread-out subset of the 10,000 MNIST digits, split stratified into train / val (for quick training tests). */
export function smallMnistSplit(size: number, valSize: number): { train: ArrayDataset; val: ArrayDataset } {
  const all = loadMnist({ kind: 'mnist', digits: [] });
  const small = subset(all, Array.from({ length: size }, (_, i) => (i * 7919) % all.y.length));
  const { train, test } = stratifiedSplit(small, valSize, 0);
  return { train, val: test };
}
