/**
 * Exact resume: a run killed part-way through an epoch (SIGINT: clean stop with a checkpoint; SIGKILL: no
 * warning, resume from the last periodic checkpoint) and resumed with `--resume` ends with model.safetensors
 * bit-identical to an uninterrupted run with the same seed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMALL_RUN, requireBuild, runAndSignal, runTrain, tensorBytes } from './train-helpers.js';

const EPOCHS = ['--epochs', '2', '--checkpoint-every', '10', '--keep-last', '2', '--lr-scheduler', 'step:1:0.5'];
let dir: string;
let reference: Map<string, Buffer>;

beforeAll(() => {
  requireBuild();
  dir = mkdtempSync(join(tmpdir(), 'twinml-resume-'));
  const r = runTrain([...SMALL_RUN, ...EPOCHS, '--out', join(dir, 'full'), '--log-format', 'plain']);
  expect(r.status, r.stderr).toBe(0);
  reference = tensorBytes(join(dir, 'full', 'model.safetensors'));
  // StepLR(step_size=1, gamma=0.5) stepped at each epoch end: epoch 2 trains at half the lr.
  expect(metricRows('full').map((r) => r.lr)).toEqual([0.001, 0.0005]);
});

/** The epoch rows, without the wall-clock fields. */
function metricRows(run: string): Array<Record<string, number>> {
  return readFileSync(join(dir, run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { samples_per_sec: _s, epoch_seconds: _e, ...row } = JSON.parse(l) as Record<string, number>;
    return row;
  });
}

function expectSameWeights(run: string): void {
  const got = tensorBytes(join(dir, run, 'model.safetensors'));
  expect([...got.keys()]).toEqual([...reference.keys()]);
  for (const [k, bytes] of reference) expect(got.get(k)!.equals(bytes), `${k} differs from the uninterrupted run`).toBe(true);
}

describe('train --resume', () => {
  it('SIGINT mid-epoch stops cleanly with a checkpoint, and resume is bit-identical', async () => {
    const out = join(dir, 'sigint');
    const killed = await runAndSignal([...SMALL_RUN, ...EPOCHS, '--out', out], 15, 'SIGINT');
    expect(killed.code, killed.stderr).toBe(0);
    const end = JSON.parse(killed.stdout.trim().split('\n').at(-1)!) as { event: string; stopReason: string; steps: number };
    expect(end.event).toBe('end');
    expect(end.stopReason).toBe('user');
    expect(end.steps).toBeGreaterThanOrEqual(15);
    expect(end.steps).toBeLessThan(34); // stopped inside epoch 1 (34 batches)
    const saved = JSON.parse(readFileSync(join(out, 'checkpoints', `step-${end.steps}`, 'trainer.json'), 'utf8')) as { epoch: number; batch: number; step: number };
    expect(saved).toMatchObject({ epoch: 1, batch: end.steps, step: end.steps });
    const resumed = runTrain(['--resume', out, '--log-format', 'plain']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resumed at epoch 1, batch ${end.steps}, step ${end.steps}`);
    expectSameWeights('sigint');
    // The resumed epoch's train_loss/train_accuracy cover the whole epoch: every row equals the uninterrupted run's.
    expect(metricRows('sigint')).toEqual(metricRows('full'));
  });

  it('SIGKILL mid-epoch leaves only whole checkpoints, and resume from the last one is bit-identical', async () => {
    const out = join(dir, 'sigkill');
    const killed = await runAndSignal([...SMALL_RUN, ...EPOCHS, '--out', out], 45, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const names = readdirSync(join(out, 'checkpoints'));
    expect(names.every((n) => /^step-\d+$/.test(n)), `leftover temporary folders: ${names.join(', ')}`).toBe(true);
    expect(names.length).toBeLessThanOrEqual(2); // --keep-last 2
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    const resumed = runTrain(['--resume', out, '--log-format', 'plain']);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed at epoch 2, batch \d+, step (40|50|60)/);
    expectSameWeights('sigkill');
    expect(metricRows('sigkill')).toEqual(metricRows('full'));
  });
});
