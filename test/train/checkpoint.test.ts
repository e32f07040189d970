/**
 * Checkpoints: model + optimizer + trainer state round-trip bit-exactly (Adam moments, step counts, RNG),
 * folders appear whole or not at all, --keep-last prunes the oldest, and trainer.json keeps Infinity.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { withBackend } from '../helpers/backend.js';
import { Linear } from '../../src/nn/linear.js';
import { manualSeed, getDefaultGenerator } from '../../src/nn/generator.js';
import { Adam } from '../../src/train/optim/adam.js';
import { backward } from '../../src/train/backward.js';
import { writeDirAtomic } from '../../src/io/atomic-write.js';
import { checkpointDir, listCheckpoints, pruneCheckpoints, readCheckpoint, writeCheckpoint } from '../../src/train/checkpoint/checkpoint.js';
import type { TrainerStateJson } from '../../src/train/checkpoint/trainer-state.js';

beforeAll(async () => {
  await withBackend('cpu');
});

function trainSteps(model: Linear, opt: Adam, steps: number, seed: number): void {
  const x = tf.tensor(Array.from({ length: 12 }, (_, i) => Math.sin(i + seed)), [4, 3]);
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = backward(() => tf.mean(tf.square(model.call(x))) as tf.Scalar, model.parameters());
    loss.dispose();
    opt.step();
  }
  x.dispose();
}

const state = (over: Partial<TrainerStateJson> = {}): TrainerStateJson => ({
  format: 'twinml-trainer-state', version: 1, epoch: 2, batch: 5, step: 17, dataSeed: 3, rng: getDefaultGenerator().getState(),
  callbacks: { reduceLrOnPlateau: { best: Infinity, numBadEpochs: 0 } }, history: [{ epoch: 1, val_loss: 0.5 }], savedAt: 'now', ...over,
});

describe('checkpoints', () => {
  it('round-trips model, Adam state and trainer state so training continues identically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinml-ckpt-'));
    manualSeed(11);
    const a = new Linear(3, 2);
    const optA = new Adam(a.parameters(), { lr: 0.01 });
    trainSteps(a, optA, 3, 0);
    getDefaultGenerator().random();
    writeCheckpoint(checkpointDir(dir, 3), { model: a.stateDict(), optimizer: optA.stateDict(), trainer: state({ step: 3 }) });
    const rngAfterSave = getDefaultGenerator().random();
    trainSteps(a, optA, 2, 1);

    manualSeed(99); // a different init: everything must come from the checkpoint
    const b = new Linear(3, 2);
    const optB = new Adam(b.parameters(), { lr: 0.5 });
    const loaded = readCheckpoint(checkpointDir(dir, 3));
    b.loadStateDict(loaded.model);
    optB.loadStateDict(loaded.optimizer);
    getDefaultGenerator().setState(loaded.trainer.rng);
    expect(getDefaultGenerator().random()).toBe(rngAfterSave);
    expect(loaded.trainer.callbacks.reduceLrOnPlateau!.best).toBe(Infinity);
    expect(optB.paramGroups[0]!.lr).toBe(0.01);
    trainSteps(b, optB, 2, 1);
    for (const [k, t] of a.stateDict()) expect(Buffer.from(b.stateDict().get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
    optA.disposeState();
    optB.disposeState();
  });

  it('never leaves a half-written folder when writing fails, and keeps the newest K', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinml-ckpt-'));
    expect(() =>
      writeDirAtomic(checkpointDir(dir, 5), (tmp) => {
        writeFileSync(join(tmp, 'model.safetensors'), 'partial');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')) : []).toEqual([]);
    const m = new Linear(2, 1);
    const opt = new Adam(m.parameters(), { lr: 0.1 });
    for (const step of [10, 20, 30, 40]) writeCheckpoint(checkpointDir(dir, step), { model: m.stateDict(), optimizer: opt.stateDict(), trainer: state({ step }) });
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([10, 20, 30, 40]);
    pruneCheckpoints(dir, 2);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([30, 40]);
    expect(() => readCheckpoint(join(dir, 'checkpoints', 'step-10'))).toThrow(/step-10 is incomplete: model.safetensors is missing/);
  });
});
