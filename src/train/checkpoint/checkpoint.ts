/**
 * Checkpoints on disk: `<runDir>/checkpoints/step-<n>/` (and `<runDir>/best/`) each holding
 *   model.safetensors      module.stateDict() with PyTorch keys
 *   optimizer.safetensors  optimizer state tensors (`state.<i>.<name>`)
 *   optimizer.json         step counts and param groups
 *   trainer.json           position, RNG, scheduler, callbacks, best metric, history
 * A checkpoint folder is filled under a temporary name and renamed, so a crash never leaves half of one.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic } from '../../io/atomic-write.js';
import { loadSafetensors, serializeSafetensors } from '../../io/safetensors.js';
import type { StateDict } from '../../util/host-tensor.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import { joinOptimizerState, splitOptimizerState, type OptimizerStateJson } from './optimizer-state.js';
import { validateTrainerState, type TrainerStateJson } from './trainer-state.js';

export interface CheckpointContents {
  model: StateDict;
  optimizer: OptimizerStateDict;
  trainer: TrainerStateJson;
}

export const CHECKPOINTS_DIR = 'checkpoints';

/** JSON has no Infinity/NaN (a best-so-far of Infinity is common): they are stored as strings and read back. */
const NON_FINITE = new Set(['Infinity', '-Infinity', 'NaN']);
const encodeNonFinite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
const decodeNonFinite = (_k: string, v: unknown) => (typeof v === 'string' && NON_FINITE.has(v) ? Number(v) : v);
export const BEST_DIR = 'best';

/**
 * Writes one checkpoint folder atomically.
 * @param dir - the folder to create or replace (e.g. runs/x/checkpoints/step-120)
 * @param contents - model state_dict, optimizer state, trainer state
 */
export function writeCheckpoint(dir: string, contents: CheckpointContents): void {
  const { tensors, json } = splitOptimizerState(contents.optimizer);
  writeDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, 'model.safetensors'), serializeSafetensors(contents.model, { format: 'pt' }));
    writeFileSync(join(tmp, 'optimizer.safetensors'), serializeSafetensors(tensors, { format: 'pt' }));
    writeFileSync(join(tmp, 'optimizer.json'), JSON.stringify(json, encodeNonFinite, 2) + '\n');
    writeFileSync(join(tmp, 'trainer.json'), JSON.stringify(contents.trainer, encodeNonFinite, 2) + '\n');
  });
}

/** @param dir - a checkpoint folder written by writeCheckpoint */
export function readCheckpoint(dir: string): CheckpointContents {
  for (const f of ['model.safetensors', 'optimizer.safetensors', 'optimizer.json', 'trainer.json']) {
    if (!existsSync(join(dir, f))) throw new Error(`checkpoint ${dir} is incomplete: ${f} is missing`);
  }
  const readJson = (f: string): unknown => {
    try {
      return JSON.parse(readFileSync(join(dir, f), 'utf8'), decodeNonFinite);
    } catch (e) {
      throw new Error(`${join(dir, f)}: ${(e as Error).message}`);
    }
  };
  const model = loadSafetensors(join(dir, 'model.safetensors')).tensors;
  const optimizer = joinOptimizerState(loadSafetensors(join(dir, 'optimizer.safetensors')).tensors, readJson('optimizer.json') as OptimizerStateJson, dir);
  const trainer = validateTrainerState(readJson('trainer.json'), join(dir, 'trainer.json'));
  return { model, optimizer, trainer };
}

/** The step checkpoints of a run, oldest first: [{ step, dir }]. Temporary folders are ignored. */
export function listCheckpoints(runDir: string): Array<{ step: number; dir: string }> {
  const root = join(runDir, CHECKPOINTS_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), dir: join(root, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

export function latestCheckpoint(runDir: string): { step: number; dir: string } | undefined {
  return listCheckpoints(runDir).at(-1);
}

export function checkpointDir(runDir: string, step: number): string {
  return join(runDir, CHECKPOINTS_DIR, `step-${step}`);
}

/**
 * Deletes all but the newest `keepLast` step checkpoints (0 or less keeps all).
 * @returns the deleted folders
 */
export function pruneCheckpoints(runDir: string, keepLast: number): string[] {
  if (!(keepLast > 0)) return [];
  const all = listCheckpoints(runDir);
  const doomed = all.slice(0, Math.max(0, all.length - keepLast)).map((c) => c.dir);
  for (const dir of doomed) rmSync(dir, { recursive: true, force: true });
  return doomed;
}
