/**
 * What `bin/twinml.js` runs. With `--verbose` the command runs in this process and every native log line reaches
 * the terminal. Otherwise it runs in a child process (src/cli/run.ts) whose stderr passes through
 * pipeWithoutNativeLogs, so the output holds only lines twinml wrote; stdin and stdout are the terminal's, exit
 * code and signals are passed through.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pipeWithoutNativeLogs } from './native-log-filter.js';

/**
 * Runs the twinml command line for `argv` (without node and the script).
 * @param argv - The arguments.
 */
export async function launch(argv: string[]): Promise<void> {
  if (argv.includes('--verbose')) {
    const { main } = await import('./main.js');
    await main(argv);
    return;
  }
  const entry = fileURLToPath(new URL('./run.js', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, entry, ...argv], { stdio: ['inherit', 'inherit', 'pipe', 'ipc'] });
  pipeWithoutNativeLogs(child.stderr!, process.stderr);
  child.channel?.unref();
  const forward = (signal: NodeJS.Signals) => () => {
    // Ctrl-C on a terminal reaches the whole process group, the child included: do not deliver it twice.
    if (signal === 'SIGINT' && process.stdin.isTTY) return;
    child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
  const [code, signal] = (await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])))) as [number | null, NodeJS.Signals | null];
  await new Promise<void>((resolve) => (child.stderr!.readableEnded ? resolve() : child.stderr!.once('end', () => resolve())));
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}
