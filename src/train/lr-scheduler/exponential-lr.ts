/** Mirrors torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma): lr *= gamma every epoch (chainable form). */
import { LRScheduler, type ScheduledOptimizer } from './lr-scheduler.js';

/** ExponentialLR's arguments (camelCase). */
export interface ExponentialLROptions {
  /** Multiplicative factor per epoch. */
  gamma: number;
}

/** torch.optim.lr_scheduler.ExponentialLR. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  /**
   * @param optimizer - the optimizer
   * @param options - gamma (required)
   */
  constructor(optimizer: ScheduledOptimizer, options: ExponentialLROptions) {
    super(optimizer);
    if (typeof options.gamma !== 'number' || !Number.isFinite(options.gamma)) throw new Error(`ExponentialLR: gamma must be a number, got ${options.gamma}`);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.isInitial) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }
}
