/**
 * `twinml parity`: runs the parity suites against PyTorch (parity-tests/, through vitest and the Python
 * bridge), prints one table row per compared tensor with the worst ratio to PyTorch's own float32 error, and
 * writes parity-report.json. Needs a source checkout with the dev dependencies (vitest) and Python with torch.
 */
import type { CommandModule } from 'yargs';

export const PARITY_SUBJECTS = ['bridge', 'layers', 'losses', 'optim', 'models', 'weights', 'mutations', 'onnx', 'tied'] as const;

interface ParityArgs {
  report: string;
  subject?: string[];
  'failures-only': boolean;
}

async function runParity(args: ParityArgs): Promise<number> {
  const { spawn } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const { dirname, join, resolve } = await import('node:path');
  const { packageRoot } = await import('../../util/paths.js');
  const root = packageRoot();
  const config = join(root, 'parity-tests', 'vitest.config.ts');
  if (!existsSync(config)) throw new Error(`twinml parity runs from a source checkout: ${config} is missing`);
  let vitest: string;
  try {
    vitest = join(dirname(createRequire(join(root, 'package.json')).resolve('vitest/package.json')), 'vitest.mjs');
  } catch {
    throw new Error('twinml parity needs the dev dependencies (vitest): run `npm install` in ' + root);
  }
  const filters = (args.subject ?? []).map((s) => `parity-tests/${s}/`);
  const env = { ...process.env, TWINML_PARITY_REPORT: resolve(args.report), ...(args['failures-only'] ? { TWINML_PARITY_TABLE: 'failures' } : {}) };
  const child = spawn(process.execPath, [vitest, 'run', '--config', config, ...filters], { cwd: root, env, stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    return await new Promise<number>((resolveExit, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
    });
  } finally {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
  }
}

export const parityCommand: CommandModule<object, ParityArgs> = {
  command: 'parity',
  describe: 'Prove the TS stack computes what PyTorch computes: run the parity suites and write parity-report.json',
  builder: (y) =>
    y
      .option('report', { type: 'string', default: 'parity-report.json', describe: 'where to write the JSON report' })
      .option('subject', { type: 'string', array: true, choices: PARITY_SUBJECTS, describe: 'run only these suites (default: all)' })
      .option('failures-only', { type: 'boolean', default: false, describe: 'print only failing rows in the table' }),
  handler: async (args) => {
    process.exitCode = await runParity(args);
  },
};
