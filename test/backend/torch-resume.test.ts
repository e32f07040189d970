/**
 * Exact resume on the torch backend: a small run stopped with SIGINT mid-epoch and resumed with `--resume` ends
 * with model.safetensors bit-identical to an uninterrupted run (same seed, 1 thread). Skipped with one line when
 * the torch addon is not built.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMALL_RUN, requireBuild, runAndSignal, runTrain, tensorBytes } from '../cli/train-helpers.js';
import { torchAvailable, torchTitle } from './torch-helpers.js';

const RUN = [...SMALL_RUN.map((a) => (a === 'cpu' ? 'torch' : a)), '--threads', '1', '--epochs', '2', '--checkpoint-every', '10'];

(torchAvailable ? describe : describe.skip)(torchTitle('train --resume on torch'), () => {
  it('SIGINT mid-epoch, resume: weights bit-identical to the uninterrupted run', async () => {
    requireBuild();
    expect(RUN).toContain('torch');
    const dir = mkdtempSync(join(tmpdir(), 'twinml-torch-resume-'));
    const full = runTrain([...RUN, '--out', join(dir, 'full'), '--log-format', 'plain']);
    expect(full.status, full.stderr).toBe(0);
    const reference = tensorBytes(join(dir, 'full', 'model.safetensors'));
    const out = join(dir, 'sigint');
    const killed = await runAndSignal([...RUN, '--out', out], 15, 'SIGINT');
    expect(killed.code, killed.stderr).toBe(0);
    const resumed = runTrain(['--resume', out, '--log-format', 'plain']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('resumed at epoch 1');
    const got = tensorBytes(join(out, 'model.safetensors'));
    expect([...got.keys()]).toEqual([...reference.keys()]);
    for (const [k, bytes] of reference) expect(got.get(k)!.equals(bytes), `${k} differs from the uninterrupted run`).toBe(true);
  });
});
