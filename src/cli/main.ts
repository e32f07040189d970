/**
 * The twinml command line (yargs). Commands are thin: parse, validate, call the library. Each command's
 * implementation is imported only when it runs, so `twinml --help` does not load tfjs or onnxruntime.
 */
import yargs from 'yargs';
import { commands } from './commands/index.js';
import { configure } from '../util/settings.js';

export async function main(argv: string[]): Promise<void> {
  if (argv.includes('--verbose')) configure({ nativeLogs: true });
  const cli = yargs(argv)
    .scriptName('twinml')
    .usage('$0 <command> [options]\n\nPyTorch-shaped training in TypeScript, proven against PyTorch, served from Node with ONNX.')
    .strict()
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .option('verbose', { type: 'boolean', global: true, describe: "also show third-party native logging (TensorFlow's C++ log lines)" })
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, error) => {
      if (error) console.error(`twinml: ${error.message}`);
      else console.error(`twinml: ${message}\nRun with --help for the options.`);
      process.exit(error ? 1 : 2);
    });
  for (const command of commands) cli.command(command);
  try {
    await cli.parseAsync();
  } catch (e) {
    console.error(`twinml: ${(e as Error).message}`);
    process.exit(1);
  }
}
