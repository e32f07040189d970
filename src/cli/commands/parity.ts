/**
 * `twinml parity`: runs the parity suites against PyTorch (parity-tests/, through vitest and the Python
 * bridge), prints one table row per compared tensor with the worst ratio to PyTorch's own float32 error, and
 * writes parity-report.json. Needs a source checkout with the dev dependencies (vitest) and Python with torch.
 */
import { BACKEND_CHOICES } from '../backend-choices.js';
import type { BackendChoice } from '../../backend/index.js';
import type { CommandModule } from 'yargs';

export const PARITY_SUBJECTS = ['bridge', 'layers', 'losses', 'optim', 'models', 'weights', 'mutations', 'onnx', 'tied', 'pair', 'port'] as const;

interface ParityArgs {
  report: string;
  subject?: string[];
  'failures-only': boolean;
  ts?: string;
  torch?: string;
  args?: string;
  input?: string;
  loss?: string;
  steps: number;
  optimizer: string;
  lr: number;
  train: boolean;
  backend?: string;
  'int-high': number;
}

/** `twinml parity --ts file#Export --torch file.py:Class`: the pair check of src/parity. */
async function runPair(args: ParityArgs): Promise<number> {
  if (!args.ts || !args.torch) throw new Error('twinml parity: --ts and --torch go together (e.g. --ts ./net.ts#Net --torch ./net.py:Net)');
  if (!args.input) throw new Error('twinml parity: --input is required with --ts/--torch (e.g. --input 2x1x28x28)');
  const { checkParity } = await import('../../parity/pair/check-parity.js');
  const { writeReport } = await import('../../parity/report.js');
  const { resolve } = await import('node:path');
  let ctorArgs: unknown;
  if (args.args !== undefined) {
    try {
      ctorArgs = JSON.parse(args.args);
    } catch (e) {
      throw new Error(`twinml parity: --args is not JSON: ${(e as Error).message}`);
    }
    if (ctorArgs === null || typeof ctorArgs !== 'object') throw new Error('twinml parity: --args must be a JSON array (positional) or object (options)');
  }
  const losses = ['nll', 'cross_entropy', 'mse'] as const;
  const loss = args.loss === undefined ? undefined : losses.find((l) => l === args.loss);
  if (args.loss !== undefined && !loss) throw new Error(`twinml parity: --loss ${args.loss}: choose ${losses.join(', ')}`);
  const result = await checkParity({
    ts: args.ts,
    torch: args.torch,
    args: ctorArgs as unknown[] | Record<string, unknown> | undefined,
    input: args.input,
    intHigh: args['int-high'],
    loss,
    steps: args.steps,
    optimizer: args.optimizer,
    lr: args.lr,
    train: args.train,
    backend: (args.backend ?? 'auto') as BackendChoice,
  });
  const { formatReport } = await import('../../parity/report.js');
  console.log(args['failures-only'] ? formatReport(result.report, { failuresOnly: true }) : result.table);
  writeReport(resolve(args.report), result.report);
  console.log(`report: ${resolve(args.report)}`);
  if (!result.pass) console.error(`parity FAILED${result.firstDivergingModule ? `: first diverging module: ${result.firstDivergingModule}` : ''}`);
  return result.pass ? 0 : 1;
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
  describe: 'Prove a TS model computes what its PyTorch original computes (--ts/--torch), or run the built-in parity suites; writes parity-report.json',
  builder: (y) =>
    y
      .option('report', { type: 'string', default: 'parity-report.json', describe: 'where to write the JSON report' })
      .option('subject', { type: 'string', array: true, choices: PARITY_SUBJECTS, describe: 'run only these suites (default: all)' })
      .option('failures-only', { type: 'boolean', default: false, describe: 'print only failing rows in the table' })
      .option('ts', { type: 'string', describe: 'your TS model: FILE#Export (a .ts file needs no build), e.g. ./net.ts#Net' })
      .option('torch', { type: 'string', describe: 'its PyTorch original: FILE.py:Class, imported in the project interpreter' })
      .option('args', { type: 'string', describe: 'constructor arguments for both sides as JSON (array: positional; object: options / keywords)' })
      .option('input', { type: 'string', describe: 'input shape and dtype, e.g. 2x1x28x28 or 4x16:int64' })
      .option('int-high', { type: 'number', default: 10, describe: 'int64 inputs are drawn from [0, int-high)' })
      .option('loss', { type: 'string', choices: ['nll', 'cross_entropy', 'mse'], describe: 'loss to compare and train the trajectory with (default mse to a random target)' })
      .option('steps', { type: 'number', default: 0, describe: 'also compare an N-step optimizer trajectory' })
      .option('optimizer', { type: 'string', default: 'sgd', describe: 'trajectory optimizer (torch name, lower case)' })
      .option('lr', { type: 'number', default: 0.01, describe: 'trajectory learning rate' })
      .option('train', { type: 'boolean', default: false, describe: 'run forward passes in training mode (default eval: dropout off; dropout p is checked separately)' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: 'tfjs backend for the TS side' })
      .example('$0 parity --ts ./net.ts#Net --torch ./net.py:Net --input 4x1x28x28 --steps 10', 'check your model pair')
      .example('$0 parity --subject layers losses', 'run some built-in suites'),
  handler: async (args) => {
    process.exitCode = args.ts || args.torch ? await runPair(args) : await runParity(args);
  },
};
