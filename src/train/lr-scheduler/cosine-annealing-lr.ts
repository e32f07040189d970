/**
 * Mirrors torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0) with PyTorch's recursive
 * (chainable) form of  eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2.
 */
import type { Optimizer } from '../optim/optimizer.js';
import { LRScheduler } from './lr-scheduler.js';

/** CosineAnnealingLR's arguments (camelCase). */
export interface CosineAnnealingLROptions {
  /** Number of epochs of a half cosine period (torch's T_max). */
  tMax: number;
  /** Minimum learning rate (default 0). */
  etaMin?: number;
}

/** torch.optim.lr_scheduler.CosineAnnealingLR. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  /**
   * @param optimizer - the optimizer
   * @param options - tMax (required), etaMin=0
   */
  constructor(optimizer: Optimizer<{ lr: number }>, options: CosineAnnealingLROptions) {
    super(optimizer);
    if (!(options.tMax > 0)) throw new Error(`CosineAnnealingLR: T_max must be positive, got ${options.tMax}`);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  protected getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.isInitial) return lrs;
    if (this.stepCount === 1 && this.lastEpoch > 0) {
      return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((this.lastEpoch * Math.PI) / this.tMax))) / 2);
    }
    if ((((this.lastEpoch - 1 - this.tMax) % (2 * this.tMax)) + 2 * this.tMax) % (2 * this.tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i]! - this.etaMin) * (1 - Math.cos(Math.PI / this.tMax))) / 2);
    }
    return lrs.map(
      (lr) =>
        ((1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax)) / (1 + Math.cos((Math.PI * (this.lastEpoch - 1)) / this.tMax))) * (lr - this.etaMin) +
        this.etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}
