/**
 * Mirrors torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5) with
 * PyTorch's recursive (chainable) form: the factor moves linearly from start_factor to end_factor.
 */
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

/** LinearLR's arguments (camelCase). */
export interface LinearLROptions {
  /** Factor of the first epoch's lr (default 1/3). */
  startFactor?: number;
  /** Factor reached after totalIters epochs (default 1). */
  endFactor?: number;
  /** Epochs of the linear change (default 5). */
  totalIters?: number;
}

/** torch.optim.lr_scheduler.LinearLR. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  /**
   * @param optimizer - the optimizer
   * @param options - startFactor=1/3, endFactor=1, totalIters=5
   */
  constructor(optimizer: Optimizer<{ lr: number }>, options: LinearLROptions = {}) {
    super(optimizer);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor <= 0) {
      throw new Error(`LinearLR: start_factor must be in (0, 1], got ${this.startFactor}`);
    }
    if (this.endFactor > 1 || this.endFactor < 0) throw new Error(`LinearLR: end_factor must be in [0, 1], got ${this.endFactor}`);
    this.initialStep();
  }

  protected getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.startFactor);
    if (this.isInitial || this.lastEpoch > this.totalIters) return lrs;
    const delta = this.endFactor - this.startFactor;
    return lrs.map((lr) => lr * (1 + delta / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * delta)));
  }

  protected override closedFormLr(): number[] {
    const f = this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters;
    return this.baseLrs.map((base) => base * f);
  }
}
