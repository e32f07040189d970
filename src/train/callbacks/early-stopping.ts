/**
 * Early stopping (Keras/Lightning semantics): an epoch improves when the monitored metric beats the best so
 * far by more than `minDelta` (min: value < best - minDelta; max: value > best + minDelta); after `patience`
 * epochs in a row without improvement the run stops, and with `restoreBestWeights` the model gets the weights
 * of the best epoch back.
 */
import type { Module } from '../../nn/module.js';
import type { StateDict } from '../../util/host-tensor.js';

export interface EarlyStoppingOptions {
  /** Metric name in the epoch row (e.g. 'val_loss'). */
  monitor: string;
  mode: 'min' | 'max';
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

export interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  wait: number;
  stoppedEpoch: number;
}

export class EarlyStopping {
  readonly options: EarlyStoppingOptions;
  private state: EarlyStoppingState;
  private bestWeights: StateDict | null = null;

  /** @param options - monitor, mode, patience, min delta, restore best weights */
  constructor(options: Partial<EarlyStoppingOptions> & { patience: number }) {
    this.options = { monitor: 'val_loss', mode: 'min', minDelta: 0, restoreBestWeights: true, ...options };
    const o = this.options;
    if (!Number.isInteger(o.patience) || o.patience < 1) throw new Error(`EarlyStopping: patience must be a positive integer, got ${o.patience}`);
    if (!(o.minDelta >= 0)) throw new Error(`EarlyStopping: minDelta must be >= 0, got ${o.minDelta}`);
    if (o.mode !== 'min' && o.mode !== 'max') throw new Error(`EarlyStopping: mode '${String(o.mode)}' is unknown; valid: min, max`);
    this.state = { best: o.mode === 'min' ? Infinity : -Infinity, bestEpoch: 0, wait: 0, stoppedEpoch: 0 };
  }

  private improves(value: number): boolean {
    const { mode, minDelta } = this.options;
    return mode === 'min' ? value < this.state.best - minDelta : value > this.state.best + minDelta;
  }

  /**
   * Records one epoch's metric; returns true when training should stop (and then restores the best weights
   * into `model` when asked to).
   * @param metrics - the epoch row
   * @param epoch - 1-based epoch
   * @param model - the model being trained
   */
  update(metrics: Record<string, number>, epoch: number, model: Module): boolean {
    const value = metrics[this.options.monitor];
    if (value === undefined) {
      throw new Error(`EarlyStopping: the epoch metrics have no '${this.options.monitor}'; available: ${Object.keys(metrics).join(', ')}`);
    }
    if (this.improves(value)) {
      this.state.best = value;
      this.state.bestEpoch = epoch;
      this.state.wait = 0;
      if (this.options.restoreBestWeights) this.bestWeights = model.stateDict();
      return false;
    }
    this.state.wait += 1;
    if (this.state.wait < this.options.patience) return false;
    this.state.stoppedEpoch = epoch;
    if (this.options.restoreBestWeights && this.bestWeights) model.loadStateDict(this.bestWeights);
    return true;
  }

  get best(): { value: number; epoch: number } {
    return { value: this.state.best, epoch: this.state.bestEpoch };
  }

  get stoppedEpoch(): number {
    return this.state.stoppedEpoch;
  }

  stateDict(): EarlyStoppingState {
    return { ...this.state };
  }

  /**
   * @param state - from stateDict()
   * @param bestWeights - the best epoch's weights (from the `best/` checkpoint), when restoring is on
   */
  loadStateDict(state: EarlyStoppingState, bestWeights?: StateDict): void {
    this.state = { ...state };
    this.bestWeights = bestWeights ?? null;
  }
}
