/** trainer.json: where a run is and everything besides weights that exact resume needs. */
import type { RngState } from '../../util/rng.js';

export interface TrainerStateJson {
  format: 'twinml-trainer-state';
  version: 1;
  /** The next batch to run: 1-based epoch and 0-based batch index within it (batch 0 = start of the epoch). */
  epoch: number;
  batch: number;
  /** Optimizer steps taken. */
  step: number;
  /** Seed of the per-epoch data order (the order of epoch e depends only on (dataSeed, e)). */
  dataSeed: number;
  /** State of the default generator (dropout masks, augmentation). */
  rng: { s: RngState; spareNormal: number | null };
  /** LR scheduler state (scheduler.stateDict()), when the run has one. */
  scheduler?: Record<string, unknown>;
  /** State of stateful callbacks by name (early stopping, ReduceLROnPlateau). */
  callbacks: Record<string, Record<string, unknown>>;
  /** Best value so far of the metric that picks `best/`. */
  best?: { metric: string; mode: 'min' | 'max'; value: number; epoch: number; step: number };
  /** Metric rows of the completed epochs (metrics.jsonl is rewritten from these on resume). */
  history: Array<Record<string, number>>;
  savedAt: string;
}

/**
 * Checks the parsed trainer.json and names the first bad field.
 * @param value - parsed JSON
 * @param source - path for error messages
 */
export function validateTrainerState(value: unknown, source: string): TrainerStateJson {
  const v = value as Partial<TrainerStateJson>;
  if (!v || typeof v !== 'object' || v.format !== 'twinml-trainer-state') throw new Error(`${source}: not a twinml trainer state (field 'format')`);
  if (v.version !== 1) throw new Error(`${source}: unsupported version ${String(v.version)} (supported: 1)`);
  for (const field of ['epoch', 'batch', 'step', 'dataSeed'] as const) {
    if (!Number.isInteger(v[field]) || (v[field] as number) < 0) throw new Error(`${source}: field '${field}' must be a non-negative integer, got ${String(v[field])}`);
  }
  if (!v.rng || !Array.isArray(v.rng.s) || v.rng.s.length !== 4) throw new Error(`${source}: field 'rng.s' must be 4 uint32 values`);
  if (!Array.isArray(v.history)) throw new Error(`${source}: field 'history' must be an array`);
  return { callbacks: {}, ...v } as TrainerStateJson;
}
