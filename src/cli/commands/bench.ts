/** `twinml bench` (`npm run bench`): every benchmark section, ratios against PyTorch measured in the same run. */
import type { CommandModule } from 'yargs';
import { BACKEND_CHOICES } from '../backend-choices.js';

export interface BenchArgs {
  sections?: string[];
  backend?: string[];
  out?: string;
  skipTorch: boolean;
}

export const benchCommand: CommandModule<object, BenchArgs> = {
  command: 'bench [sections..]',
  describe: 'Benchmark training and inference against PyTorch (same run, same batch size) and write bench/results.json',
  builder: (y) =>
    y
      .positional('sections', {
        type: 'string',
        array: true,
        describe: 'zoo sections (mlp, cnn, mlp-large, gpt) and/or inference, data, bridge, tensorflow-ops (default: all)',
      })
      .option('backend', { type: 'string', array: true, choices: BACKEND_CHOICES.filter((b) => b !== 'auto'), describe: 'TS backends to measure (default: every available one)' })
      .option('out', { type: 'string', describe: 'results file (default bench/results.json)' })
      .option('skip-torch', { type: 'boolean', default: false, describe: 'skip the PyTorch side (no ratios)' }) as never,
  handler: async (args) => {
    const { loadBenchmarks } = await import('./bench-loader.js');
    await (await loadBenchmarks()).runAllBenchmarks(args);
  },
};
