/**
 * `twinml train --model file#Export`: a user's classifier (with dropout) trains from its .ts file without a
 * build, and a run SIGKILLed mid-epoch resumes to bit-identical weights; a VAE with its own loss (the
 * TrainingModule contract) trains through the same CLI and logs its metrics.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runAndSignal, runTrain, tensorBytes } from '../cli/train-helpers.js';

const NET = 'test/fixtures/user-models/small-net.ts#SmallNet';
const VAE = 'test/fixtures/user-models/vae.ts#VAE';
const DATA = ['--dataset', 'mnist-binary:0,1', '--val-fraction', '0.5', '--batch-size', '32', '--backend', 'wasm', '--no-export'];
const RUN = ['--model', NET, ...DATA, '--epochs', '2', '--checkpoint-every', '10', '--keep-last', '2', '--seed', '3'];
const LONG = { timeout: 600_000 };
let dir: string;

beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'twinml-user-model-'));
});

function epochs(run: string): Array<Record<string, number>> {
  return readFileSync(join(dir, run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
}

describe('train --model ./file.ts#Export', () => {
  it('trains a user classifier; a SIGKILL mid-epoch and --resume give bit-identical weights', LONG, async () => {
    const full = runTrain([...RUN, '--out', join(dir, 'full'), '--log-format', 'plain'], { timeoutMs: 600_000 });
    expect(full.status, full.stderr).toBe(0);
    const rows = epochs('full');
    expect(rows).toHaveLength(2);
    expect(rows[1]!.val_accuracy).toBeGreaterThan(0.95); // 0 vs 1 is easy
    const killed = await runAndSignal([...RUN, '--out', join(dir, 'killed')], 45, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const resumed = runTrain(['--resume', join(dir, 'killed'), '--log-format', 'plain'], { timeoutMs: 600_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed at epoch 2, batch \d+, step (40|50|60)/);
    const want = tensorBytes(join(dir, 'full', 'model.safetensors'));
    const got = tensorBytes(join(dir, 'killed', 'model.safetensors'));
    expect([...got.keys()]).toEqual(['conv1.weight', 'conv1.bias', 'fc.weight', 'fc.bias']);
    for (const [k, bytes] of want) expect(got.get(k)!.equals(bytes), `${k} differs from the uninterrupted run`).toBe(true);
  });

  it('trains a VAE with its own loss (BCE + KLD) and logs its metrics', LONG, () => {
    const r = runTrain(['--model', VAE, ...DATA, '--epochs', '2', '--seed', '1', '--out', join(dir, 'vae'), '--log-format', 'plain'], { timeoutMs: 600_000 });
    expect(r.status, r.stderr).toBe(0);
    const rows = epochs('vae');
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.train_bce! + row.train_kld!).toBeCloseTo(row.train_loss!, 3);
      expect(row.val_bce! + row.val_kld!).toBeCloseTo(row.val_loss!, 3);
    }
    expect(rows[1]!.val_loss).toBeLessThan(rows[0]!.val_loss!);
  });
});
