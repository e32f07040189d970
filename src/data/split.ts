/** Seeded, stratified train/validation splits. */
import { Rng } from '../util/rng.js';
import type { ArrayDataset } from './dataset.js';
import { subset } from './dataset.js';

/**
 * Splits `ds` so that each class keeps its proportion (rounded), reproducibly from `seed`.
 * @param testSize - number of samples in the second part
 */
export function stratifiedSplit(ds: ArrayDataset, testSize: number, seed: number): { train: ArrayDataset; test: ArrayDataset } {
  const { trainIdx, testIdx } = stratifiedIndices(ds.y, testSize, seed);
  return { train: subset(ds, trainIdx), test: subset(ds, testIdx) };
}

/**
 * The sample indices of a stratified split (each part shuffled), reproducible from `seed`; only labels are needed.
 * @param labels - class index per sample
 * @param testSize - number of samples in the second part
 * @param seed - run seed
 */
export function stratifiedIndices(labels: Int32Array, testSize: number, seed: number): { trainIdx: number[]; testIdx: number[] } {
  const n = labels.length;
  if (!Number.isInteger(testSize) || testSize <= 0 || testSize >= n) {
    throw new Error(`split: test size must be an integer in 1..${n - 1}, got ${testSize}`);
  }
  const rng = Rng.derive(seed, 'stratified-split');
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  // Largest-remainder allocation of the test size across classes.
  const exact = classes.map((l) => ((byClass.get(l)!.length * testSize) / n));
  const alloc = exact.map(Math.floor);
  let left = testSize - alloc.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    alloc[i]! += 1;
    left -= 1;
  }
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  classes.forEach((l, k) => {
    const idx = rng.shuffle(byClass.get(l)!.slice());
    testIdx.push(...idx.slice(0, alloc[k]));
    trainIdx.push(...idx.slice(alloc[k]));
  });
  rng.shuffle(trainIdx);
  rng.shuffle(testIdx);
  return { trainIdx, testIdx };
}
