/** Mirrors torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma=0.1): lr *= gamma every step_size epochs. */
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

export interface StepLROptions {
  stepSize: number;
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
}

export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer<{ lr: number }>, options: StepLROptions) {
    super(optimizer);
    if (!Number.isInteger(options.stepSize) || options.stepSize < 1) throw new Error(`StepLR: step_size must be a positive integer, got ${options.stepSize}`);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma);
  }
}
