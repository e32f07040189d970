/**
 * Mirrors torch.optim.lr_scheduler.LRScheduler: schedulers change `optimizer.paramGroups[i].options.lr` in
 * place, so several schedulers stepped together chain (each reads the lr the others left). Like PyTorch, the
 * constructor performs an initial step (last_epoch -1 -> 0), every group remembers its `initial_lr` (the
 * base_lrs of every scheduler attached later), and subclasses implement PyTorch's recursive `get_lr`.
 */
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';

/** group -> its initial_lr (PyTorch keeps it in the param group; shared by every scheduler on the group). */
const initialLrs = new WeakMap<object, number>();

export interface LRSchedulerState {
  lastEpoch: number;
  stepCount: number;
  baseLrs: number[];
  lastLr: number[];
}

export abstract class LRScheduler {
  readonly baseLrs: number[];
  lastEpoch: number;
  protected stepCount = 0;
  /** True during the constructor's initial step (PyTorch's `_is_initial`). */
  protected isInitial = false;
  private lastLr: number[] = [];

  /**
   * @param optimizer - the optimizer whose groups' lr this scheduler sets
   * @param lastEpoch - -1 for a fresh schedule (resuming is done with loadStateDict)
   */
  constructor(
    readonly optimizer: Optimizer<{ lr: number }>,
    lastEpoch = -1,
  ) {
    if (lastEpoch !== -1) throw new Error(`${this.constructor.name}: last_epoch must be -1; resume with loadStateDict()`);
    for (const group of optimizer.paramGroups) if (!initialLrs.has(group)) initialLrs.set(group, group.lr);
    this.baseLrs = optimizer.paramGroups.map((g) => initialLrs.get(g)!);
    this.lastEpoch = lastEpoch;
  }

  /** The constructor's step; subclasses call it at the end of their constructor (after setting fields). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.isInitial = true;
    try {
      this.step();
    } finally {
      this.isInitial = false;
    }
  }

  /** The groups' current learning rates (PyTorch's group["lr"] values). */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((g: ParamGroup<{ lr: number }>) => g.lr);
  }

  /** The next learning rate of each group (PyTorch's chainable get_lr). */
  protected abstract getLr(): number[];

  /** Advances one epoch and sets each group's lr. Call after optimizer.step(). */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i]!;
    });
    this.lastLr = this.groupLrs();
  }

  /** The learning rates set by the last step (PyTorch's get_last_lr()). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  loadStateDict(state: LRSchedulerState): void {
    this.lastEpoch = state.lastEpoch;
    this.stepCount = state.stepCount;
    this.baseLrs.splice(0, this.baseLrs.length, ...state.baseLrs);
    this.lastLr = [...state.lastLr];
  }
}
