import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TWINML_BIN = fileURLToPath(new URL('../../bin/twinml.js', import.meta.url));
export const TRAIN_BIN = fileURLToPath(new URL('../../bin/train.js', import.meta.url));

/** Runs the built CLI (dist/, built by `npm test`) and returns exit code and output. */
export function runCli(args: string[], options: { bin?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [options.bin ?? TWINML_BIN, ...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, ...options.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
