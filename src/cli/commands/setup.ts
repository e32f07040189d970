/** `twinml setup torch`: builds an optional native backend inside this install of twinml. */
import type { CommandModule } from 'yargs';

/** What `twinml setup` builds. */
export const SETUP_TARGETS = ['torch'] as const;

export const setupCommand: CommandModule<object, { target: (typeof SETUP_TARGETS)[number]; python?: string; force: boolean }> = {
  command: 'setup <target>',
  describe: "Build an optional native backend in this install: 'torch' compiles twinml's libtorch addon against a Python's torch wheel (about a minute; needs g++ with C++20 and Node's headers)",
  builder: (y) =>
    y
      .positional('target', { choices: SETUP_TARGETS, demandOption: true, describe: "'torch': the --backend torch addon" })
      .option('python', { type: 'string', describe: 'the Python whose torch wheel to build against (default: TWINML_PYTHON, then ./.venv, then python3 on PATH, the first that imports torch)' })
      .option('force', { type: 'boolean', default: false, describe: 'rebuild even when the addon matches the torch version and sources' })
      .example('$0 setup torch', 'build against the first Python that imports torch')
      .example('$0 setup torch --python .venv/bin/python', 'build against that interpreter'),
  handler: async (args) => {
    const { setupTorch } = await import('../setup/torch.js');
    process.exitCode = setupTorch({ python: args.python, force: args.force });
  },
};
