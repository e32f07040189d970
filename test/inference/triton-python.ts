/**
 * The Python with Triton's client (tritonclient[http,grpc]) that scripts/install-test-tools.sh installs into its
 * own venv (~/.cache/twinml/triton-client-venv, never the product's). Missing: the suite skips with one line,
 * unless TWINML_REQUIRE_PYTHON=1 (CI), which makes it fail.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The venv's python, or null (after a one-line warning) when it is not installed. */
export function tritonClientPython(suite: string): string | null {
  const python = join(homedir(), '.cache', 'twinml', 'triton-client-venv', 'bin', 'python');
  if (existsSync(python)) return python;
  const why = `${suite}: skipped, no tritonclient venv at ${python} (bash scripts/install-test-tools.sh)`;
  if (process.env.TWINML_REQUIRE_PYTHON === '1') throw new Error(why + ' and TWINML_REQUIRE_PYTHON=1');
  console.warn(why);
  return null;
}

/**
 * Runs a Python script without blocking the event loop (the server under test runs in this process).
 * @param python - Interpreter.
 * @param args - Script and arguments.
 * @returns stdout.
 */
export function runPython(python: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(python, args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${args[0]} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
