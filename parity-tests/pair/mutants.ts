/**
 * Mutants of examples/mnist-net/net.ts for the pair-check tests: a copy with one line changed, written into a
 * temporary folder inside the example (so its imports resolve as the original's do) and removed afterwards.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/paths.js';

export const EXAMPLE_DIR = join(packageRoot(), 'examples', 'mnist-net');

/** One source change: the original line (must occur exactly once) and its replacement. */
export interface Mutation {
  label: string;
  from: string;
  to: string;
  /** The module a pair check must name as the first divergence. */
  expectModule: string;
}

export const MUTATIONS: Mutation[] = [
  { label: 'dropout p', from: 'new nn.Dropout(0.25)', to: 'new nn.Dropout(0.3)', expectModule: 'dropout1' },
  { label: 'kernel size', from: 'new nn.Conv2d(32, 64, 3, { stride: 1 })', to: 'new nn.Conv2d(32, 64, 5, { stride: 1 })', expectModule: 'conv2' },
  { label: 'flatten order', from: 'flatten(x, 1)', to: 'flatten(nn.toNHWC(x), 1)', expectModule: 'fc1' },
];

/**
 * Writes net.ts with `mutation` applied and returns its path and a cleanup function.
 * @param mutation - the change
 */
export function writeMutant(mutation: Mutation): { file: string; remove: () => void } {
  const source = readFileSync(join(EXAMPLE_DIR, 'net.ts'), 'utf8');
  if (source.split(mutation.from).length !== 2) throw new Error(`mutation ${mutation.label}: ${JSON.stringify(mutation.from)} must occur exactly once in net.ts`);
  const dir = join(EXAMPLE_DIR, `.mutant-${process.pid}-${mutation.label.replace(/\W+/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'net.ts');
  writeFileSync(file, source.replace(mutation.from, mutation.to).replaceAll("from '../../", "from '../../../"));
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
