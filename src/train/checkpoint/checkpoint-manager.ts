/**
 * Training-loop callbacks that write checkpoints: every `checkpointEvery` steps, at each epoch end, on demand
 * (a clean stop), keeping the newest `keepLast`, and `best/` whenever the chosen metric improves.
 * Resume: `restore()` loads a checkpoint into the model, optimizer, default generator and stateful callbacks
 * and returns the position to start the loop from.
 */
import { join } from 'node:path';
import type { Module } from '../../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { getDefaultGenerator } from '../../nn/generator.js';
import type { EpochMetrics, Trainer, TrainerCallbacks, TrainerPosition } from '../trainer.js';
import { BEST_DIR, checkpointDir, pruneCheckpoints, readCheckpoint, writeCheckpoint, type CheckpointContents } from './checkpoint.js';
import type { TrainerStateJson } from './trainer-state.js';

/** Something with state to keep in trainer.json (early stopping, ReduceLROnPlateau, an LR scheduler). */
export interface Stateful {
  stateDict(): object;
  loadStateDict(state: never): void;
}

export interface CheckpointManagerOptions {
  runDir: string;
  model: Module;
  optimizer: Optimizer<{ lr: number }>;
  /** Seed of the data order (recorded; resume checks it). */
  dataSeed: number;
  /** Write a checkpoint every this many optimizer steps (0: only at epoch ends and on stop). */
  checkpointEvery: number;
  /** Keep the newest K step checkpoints (0: keep all). */
  keepLast: number;
  /** The epoch metric that selects `best/` and its direction. */
  bestMetric: { name: string; mode: 'min' | 'max' };
  /** Stateful callbacks saved under their names in trainer.json. */
  stateful?: Record<string, Stateful>;
  /** The LR scheduler, when the run has one. */
  scheduler?: Stateful;
}

export class CheckpointManager implements TrainerCallbacks {
  private best?: TrainerStateJson['best'];
  private lastSavedStep = -1;

  constructor(private readonly options: CheckpointManagerOptions) {}

  private contents(position: TrainerPosition, history: EpochMetrics[]): CheckpointContents {
    const o = this.options;
    const callbacks: Record<string, Record<string, unknown>> = {};
    for (const [name, s] of Object.entries(o.stateful ?? {})) callbacks[name] = s.stateDict() as Record<string, unknown>;
    return {
      model: o.model.stateDict(),
      optimizer: o.optimizer.stateDict(),
      trainer: {
        format: 'twinml-trainer-state',
        version: 1,
        epoch: position.epoch,
        batch: position.batch,
        step: position.step,
        dataSeed: o.dataSeed,
        rng: getDefaultGenerator().getState(),
        ...(o.scheduler ? { scheduler: o.scheduler.stateDict() as Record<string, unknown> } : {}),
        callbacks,
        ...(this.best ? { best: this.best } : {}),
        history: history.map((m) => ({ ...m })),
        savedAt: new Date().toISOString(),
      },
    };
  }

  /**
   * Writes `checkpoints/step-<step>/` for the trainer's current position (skipped when that step is saved).
   * @returns the folder
   */
  save(trainer: Trainer, history: EpochMetrics[] = trainer.history): string {
    const dir = checkpointDir(this.options.runDir, trainer.position.step);
    if (trainer.position.step === this.lastSavedStep) return dir;
    writeCheckpoint(dir, this.contents(trainer.position, history));
    this.lastSavedStep = trainer.position.step;
    pruneCheckpoints(this.options.runDir, this.options.keepLast);
    return dir;
  }

  onBatchEnd(trainer: Trainer): void {
    const every = this.options.checkpointEvery;
    const endOfEpoch = trainer.position.batch === trainer.batchesPerEpoch;
    if (every > 0 && trainer.position.step % every === 0 && !endOfEpoch) this.save(trainer);
  }

  onEpochEnd(trainer: Trainer, metrics: EpochMetrics): void {
    const history = [...trainer.history, metrics];
    const { name, mode } = this.options.bestMetric;
    const value = metrics[name];
    if (value === undefined) throw new Error(`checkpoint best metric '${name}' is not in the epoch metrics; available: ${Object.keys(metrics).join(', ')}`);
    const improved = !this.best || (mode === 'min' ? value < this.best.value : value > this.best.value);
    if (improved) this.best = { metric: name, mode, value, epoch: metrics.epoch, step: metrics.step };
    this.lastSavedStep = -1; // the epoch-end state differs from a mid-epoch save at the same step (position, history)
    this.save(trainer, history);
    if (improved) writeCheckpoint(join(this.options.runDir, BEST_DIR), this.contents(trainer.position, history));
  }

  /**
   * Loads a checkpoint into the model, optimizer, default generator, scheduler and stateful callbacks.
   * @param dir - checkpoint folder
   * @returns the position to start from and the completed epochs' metric rows
   */
  restore(dir: string): { position: TrainerPosition; history: EpochMetrics[]; trainerState: TrainerStateJson } {
    const o = this.options;
    const { model, optimizer, trainer } = readCheckpoint(dir);
    if (trainer.dataSeed !== o.dataSeed) throw new Error(`${dir}: data seed ${trainer.dataSeed} differs from the run's seed ${o.dataSeed}`);
    o.model.loadStateDict(model);
    o.optimizer.loadStateDict(optimizer);
    getDefaultGenerator().setState(trainer.rng);
    if (o.scheduler && trainer.scheduler) o.scheduler.loadStateDict(trainer.scheduler as never);
    for (const [name, s] of Object.entries(o.stateful ?? {})) {
      const state = trainer.callbacks[name];
      if (state) s.loadStateDict(state as never);
    }
    this.best = trainer.best;
    this.lastSavedStep = trainer.step;
    return { position: { epoch: trainer.epoch, batch: trainer.batch, step: trainer.step }, history: trainer.history as EpochMetrics[], trainerState: trainer };
  }
}
