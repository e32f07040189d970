/**
 * Mirrors torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones, gamma=0.1): lr *= gamma at each milestone
 * epoch (a milestone listed k times multiplies by gamma^k), in PyTorch's chainable form.
 */
import { LRScheduler, type ScheduledOptimizer } from './lr-scheduler.js';

/** MultiStepLR's arguments (camelCase). */
export interface MultiStepLROptions {
  /** Epoch indices where the lr decays. */
  milestones: number[];
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
}

/** torch.optim.lr_scheduler.MultiStepLR. */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;
  private readonly counts = new Map<number, number>();

  /**
   * @param optimizer - the optimizer
   * @param options - milestones (required), gamma=0.1
   */
  constructor(optimizer: ScheduledOptimizer, options: MultiStepLROptions) {
    super(optimizer);
    if (!Array.isArray(options.milestones) || options.milestones.some((m) => !Number.isInteger(m))) {
      throw new Error(`MultiStepLR: milestones must be a list of integers, got ${JSON.stringify(options.milestones)}`);
    }
    this.milestones = [...options.milestones].sort((a, b) => a - b);
    for (const m of this.milestones) this.counts.set(m, (this.counts.get(m) ?? 0) + 1);
    this.gamma = options.gamma ?? 0.1;
    this.initialStep();
  }

  protected getLr(): number[] {
    const k = this.counts.get(this.lastEpoch);
    if (k === undefined) return this.groupLrs();
    return this.groupLrs().map((lr) => lr * this.gamma ** k);
  }

  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }
}
