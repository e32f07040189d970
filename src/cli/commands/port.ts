/**
 * `twinml port ./net.py:Net --input 1x1x28x28 --out src/net.ts`: writes the TypeScript mirror of a PyTorch model
 * (src/parity/port) and proves it with the pair parity check. Exits 1 when anything could not be translated (listed with
 * Python lines) or parity fails.
 */
import { BACKEND_CHOICES } from '../backend-choices.js';
import type { BackendChoice } from '../../backend/index.js';
import type { CommandModule } from 'yargs';

interface PortArgs {
  model: string;
  args?: string;
  input: string;
  out: string;
  'import-from': string;
  parity: boolean;
  steps: number;
  loss?: string;
  optimizer: string;
  lr: number;
  'int-high': number;
  backend: string;
  report: string;
}

async function runPort(a: PortArgs): Promise<number> {
  const { port } = await import('../../parity/port/port.js');
  const { formatGap } = await import('../../parity/port/gaps.js');
  const { writeReport } = await import('../../parity/report.js');
  const { resolve } = await import('node:path');
  let ctorArgs: unknown;
  if (a.args !== undefined) {
    try {
      ctorArgs = JSON.parse(a.args);
    } catch (e) {
      throw new Error(`twinml port: --args is not JSON: ${(e as Error).message}`);
    }
    if (ctorArgs === null || typeof ctorArgs !== 'object') throw new Error('twinml port: --args must be a JSON array (positional) or object (keyword arguments)');
  }
  const losses = ['nll', 'cross_entropy', 'mse'] as const;
  const loss = a.loss === undefined ? undefined : losses.find((l) => l === a.loss);
  const result = await port({
    torch: a.model,
    args: ctorArgs as unknown[] | Record<string, unknown> | undefined,
    input: a.input,
    out: a.out,
    importFrom: a['import-from'],
    parity: a.parity,
    steps: a.steps,
    loss,
    optimizer: a.optimizer,
    lr: a.lr,
    intHigh: a['int-high'],
    backend: a.backend as BackendChoice,
  });
  console.log(`wrote ${result.out}: ${result.classes.join(', ')} (export ${result.root})`);
  for (const n of result.notes) console.log(`note: ${n}`);
  if (result.gaps.length > 0) {
    console.error(`\nnot translated (${result.gaps.length}); each is a "// TODO twinml port: unsupported" in ${result.out} that throws when reached:`);
    for (const g of result.gaps) console.error(`  ${formatGap(g)}`);
    console.error('\nparity was not run: the port is incomplete.');
    return 1;
  }
  if (result.parity) {
    console.log(result.parity.table);
    writeReport(resolve(a.report), result.parity.report);
    console.log(`report: ${resolve(a.report)}`);
    if (!result.parity.pass) {
      console.error(`parity FAILED${result.parity.firstDivergingModule ? `: first diverging module: ${result.parity.firstDivergingModule}` : ''}`);
      return 1;
    }
    console.log(`parity passed: ${result.out}#${result.root} computes what ${a.model} computes (outputs, every submodule, every gradient, ${a.steps} steps)`);
  }
  return 0;
}

export const portCommand: CommandModule<object, PortArgs> = {
  command: 'port <model>',
  describe: 'Write the TypeScript mirror of a PyTorch model (FILE.py:Class) and prove it with twinml parity',
  builder: (y) =>
    y
      .positional('model', { type: 'string', demandOption: true, describe: 'the PyTorch original: FILE.py:Class, imported in the project interpreter (the one `twinml doctor` shows)' })
      .option('input', { type: 'string', demandOption: true, describe: 'a sample input shape[:dtype], with the batch: 2x1x28x28, 4x16:int64 (shapes guide the translation; parity runs on it)' })
      .option('out', { type: 'string', demandOption: true, describe: 'the TypeScript file to write, e.g. src/net.ts (overwritten)' })
      .option('args', { type: 'string', describe: 'constructor arguments as JSON (array: positional; object: keywords), e.g. \'{"hidden": 64}\'; a JSON object for a parameter annotated with a class (config: GPTConfig) builds that class: \'{"config": {"n_layer": 2}}\'; the generated classes are built with these values' })
      .option('import-from', { type: 'string', default: 'twinml', describe: 'the module the generated file imports nn, F, tf from' })
      .option('parity', { type: 'boolean', default: true, describe: 'run twinml parity on the pair after writing (--no-parity to skip)' })
      .option('steps', { type: 'number', default: 10, describe: 'parity: optimizer trajectory length' })
      .option('loss', { type: 'string', choices: ['nll', 'cross_entropy', 'mse'], describe: 'parity: the loss compared and trained (default mse to a random target)' })
      .option('optimizer', { type: 'string', default: 'sgd', describe: 'parity: trajectory optimizer (sgd, adam, adamw)' })
      .option('lr', { type: 'number', default: 0.01, describe: 'parity: trajectory learning rate' })
      .option('int-high', { type: 'number', default: 10, describe: 'int64 inputs are drawn from [0, int-high)' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: 'tfjs backend of the parity check' })
      .option('report', { type: 'string', default: 'parity-report.json', describe: 'where to write the parity JSON report' })
      .example('$0 port ./net.py:Net --input 2x1x28x28 --out src/net.ts', 'port pytorch/examples\' MNIST Net and check it (10 SGD steps)')
      .example('$0 port ./mlp.py:MLP --args \'{"hidden": [64]}\' --input 4x784 --out src/mlp.ts --loss cross_entropy', 'constructor arguments and a loss')
      .example(
        '$0 port ./gpt.py:GPT --args \'{"config": {"block_size": 16, "vocab_size": 20, "n_layer": 2, "n_head": 2, "n_embd": 32}}\' --input 2x8:int64 --int-high 20 --out src/gpt.ts',
        'a nanoGPT-style model built from its config dataclass, on token ids',
      )
      .epilogue(
        'What it writes: one class per nn.Module class you wrote, with your class and attribute names; the children built with ' +
          "PyTorch's arguments; forward translated statement by statement (F.*, torch.*, tensor methods, operators), each line " +
          'citing its Python line. Sequential/ModuleList/ModuleDict stay containers. forward is traced with torch.fx, so Python ' +
          'branches are taken as they were for these constructor arguments; a branch on a shape (`if T > block_size:`) is decided on ' +
          'the sample input and kept as a run-time check that throws when an input would take the other side. A forward ' +
          'argument defaulting to None (a KV cache `past=None`) is traced as None and left out.\n\n' +
          'What it refuses: an op with no twinml equivalent, control flow on tensor values, an in-place update of a tensor used ' +
          'again. Each is listed with its Python line, marked "// TODO twinml port: unsupported" in the file and made to throw ' +
          'there; the command then exits 1 without running parity. Exit 1 also when parity fails. Guide: docs/port.md.',
      ),
  handler: async (args) => {
    process.exitCode = await runPort(args);
  },
};
