/** Seeded, stratified train/validation splits. */
import { Rng } from '../util/rng.js';
import type { ArrayDataset } from './dataset.js';
import { subset } from './dataset.js';

/**
 * Splits `ds` so that each class keeps its proportion (rounded), reproducibly from `seed`.
 * @param testSize - number of samples in the second part
 */
export function stratifiedSplit(ds: ArrayDataset, testSize: number, seed: number): { train: ArrayDataset; test: ArrayDataset } {
  const n = ds.y.length;
  if (!Number.isInteger(testSize) || testSize <= 0 || testSize >= n) {
    throw new Error(`split: test size must be an integer in 1..${n - 1}, got ${testSize}`);
  }
  const rng = Rng.derive(seed, 'stratified-split');
  const byClass = new Map<number, number[]>();
  ds.y.forEach((label, i) => {
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  });
  const labels = [...byClass.keys()].sort((a, b) => a - b);
  // Largest-remainder allocation of the test size across classes.
  const exact = labels.map((l) => ((byClass.get(l)!.length * testSize) / n));
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
  labels.forEach((l, k) => {
    const idx = rng.shuffle(byClass.get(l)!.slice());
    testIdx.push(...idx.slice(0, alloc[k]));
    trainIdx.push(...idx.slice(alloc[k]));
  });
  rng.shuffle(trainIdx);
  rng.shuffle(testIdx);
  return { train: subset(ds, trainIdx), test: subset(ds, testIdx) };
}
