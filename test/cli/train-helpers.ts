/** Runs `node bin/twinml.js train …` as a child process for the end-to-end train tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors } from '../../src/io/safetensors.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'twinml.js');

/** A small, fast run: mlp with 16 hidden units on MNIST 0 vs 1 (1064 train / 1064 val), 34 batches per epoch. */
export const SMALL_RUN = ['--model', 'mlp', '--dataset', 'mnist-binary:0,1', '--val-fraction', '0.5', '--hidden', '16', '--batch-size', '32', '--backend', 'cpu', '--no-export'];

export function requireBuild(): void {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before these tests');
}

export function runTrain(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return spawnSync(process.execPath, [BIN, 'train', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 120_000 });
}

/**
 * Starts a JSON-logging run and sends `signal` once a batch event with step >= `atStep` is printed.
 * @returns exit code/signal and everything printed
 */
export function runAndSignal(args: string[], atStep: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; signalledAt: number }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'train', ...args, '--log-format', 'json'], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    let pending = '';
    let signalledAt = -1;
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const event = JSON.parse(line) as { event: string; step?: number };
        if (signalledAt < 0 && event.event === 'batch' && event.step! >= atStep) {
          signalledAt = event.step!;
          child.kill(signal);
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code, sig) => resolve({ code, signal: sig, stdout, stderr, signalledAt }));
  });
}

/** The tensors of a safetensors file as name -> bytes (for bit-exact comparison). */
export function tensorBytes(path: string): Map<string, Buffer> {
  const { tensors } = parseSafetensors(readFileSync(path), path);
  return new Map([...tensors].map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
}
