/**
 * Loads the benchmarks for `twinml bench`. They are not part of the package: they live in bench/ of a twinml
 * checkout and are compiled there by `npm run build:bench` (`npm run bench` does both).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../util/paths.js';
import type { BenchArgs } from './bench.js';

/** What bench/run-all.ts exports. */
interface BenchModule {
  runAllBenchmarks(args: BenchArgs): Promise<void>;
}

/**
 * Imports bench/run-all.js of the checkout, or explains how to get it.
 * @returns The module with runAllBenchmarks.
 */
export async function loadBenchmarks(): Promise<BenchModule> {
  const source = join(packageRoot(), 'bench', 'run-all.ts');
  const built = join(packageRoot(), 'bench', 'run-all.js');
  if (!existsSync(source)) {
    throw new Error('twinml bench runs from a twinml checkout (the benchmarks are not in the npm package): clone the repository, then `npm run bench`');
  }
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build:bench\` (or \`npm run bench\`, which builds and runs)`);
  return (await import(pathToFileURL(built).href)) as BenchModule;
}
