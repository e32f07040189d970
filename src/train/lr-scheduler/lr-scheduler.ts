/**
 * Mirrors torch.optim.lr_scheduler.LRScheduler: schedulers change `optimizer.paramGroups[i].lr` in place, so
 * several schedulers stepped together chain (each reads the lr the others left). Like PyTorch, the constructor
 * performs an initial step (last_epoch -1 -> 0), every group remembers its `initial_lr` (the base_lrs of every
 * scheduler attached later), subclasses implement PyTorch's recursive (chainable) `get_lr`, and those with a
 * `_get_closed_form_lr` also implement `closedFormLr` (what SequentialLR uses at its milestones).
 */
import type { Optimizer } from '../optim/optimizer.js';

/** group -> its initial_lr (PyTorch keeps it in the param group; shared by every scheduler on the group). */
const initialLrs = new WeakMap<object, number>();

/**
 * Sets a group's initial_lr (PyTorch's `group["initial_lr"] = ...`, done by OneCycleLR).
 * @param group - the parameter group
 * @param lr - its initial learning rate
 */
export function setInitialLr(group: object, lr: number): void {
  initialLrs.set(group, lr);
}

/** An optimizer as schedulers see it: groups with an lr. */
export type ScheduledOptimizer = Optimizer<{ lr: number }>;

/** A scheduler's state (torch's `state_dict()` without the optimizer). */
export interface LRSchedulerState {
  lastEpoch: number;
  stepCount: number;
  baseLrs: number[];
  lastLr: number[];
  /** SequentialLR: its schedulers' states. */
  schedulers?: LRSchedulerState[];
}

/** The base class of the learning-rate schedulers. */
export abstract class LRScheduler {
  /** Each group's initial lr when the scheduler was made (torch's `base_lrs`). */
  readonly baseLrs: number[];
  /** The number of steps taken (torch's `last_epoch`; 0 after construction). */
  lastEpoch: number;
  /** The number of step() calls, the constructor's included (torch's `_step_count`). */
  protected stepCount = 0;
  /** True during the constructor's initial step (PyTorch's `_is_initial`). */
  protected isInitial = false;
  protected lastLr: number[] = [];

  /**
   * @param optimizer - the optimizer whose groups' lr this scheduler sets
   * @param lastEpoch - -1 for a fresh schedule (resuming is done with loadStateDict)
   */
  constructor(
    readonly optimizer: ScheduledOptimizer,
    lastEpoch = -1,
  ) {
    if (lastEpoch !== -1) throw new Error(`${this.constructor.name}: last_epoch must be -1; resume with loadStateDict()`);
    for (const group of optimizer.paramGroups) if (!initialLrs.has(group)) initialLrs.set(group, group.lr);
    this.baseLrs = optimizer.paramGroups.map((g) => initialLrs.get(g)!);
    this.lastEpoch = lastEpoch;
  }

  /** The constructor's step; subclasses call it at the end of their constructor (after setting fields). */
  initialStep(): void {
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
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The next learning rate of each group (PyTorch's chainable get_lr). */
  protected abstract getLr(): number[];

  /** The learning rates at `lastEpoch` from base_lrs (PyTorch's `_get_closed_form_lr`), when the scheduler has one. */
  protected closedFormLr?(): number[];

  /** Advances one epoch and sets each group's lr. Call after optimizer.step(). */
  step(): void {
    this.stepCount += 1;
    this.updateLr();
  }

  /**
   * Sets the groups' lr for the next epoch, or for `epoch` (closed form when the scheduler has one), without
   * counting a step (PyTorch's `_update_lr`).
   * @param epoch - jump to this epoch instead of advancing by one
   */
  updateLr(epoch?: number): void {
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr ? this.closedFormLr() : this.getLr();
    }
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i]!;
    });
    this.lastLr = this.groupLrs();
  }

  /** The learning rates set by the last step (PyTorch's get_last_lr()). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's position (torch's `state_dict()`). */
  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, stepCount: this.stepCount, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /**
   * Restores a position from `stateDict()`.
   * @param state - the saved state
   */
  loadStateDict(state: LRSchedulerState): void {
    if (state.baseLrs.length !== this.baseLrs.length) {
      throw new Error(`${this.constructor.name}: scheduler state has ${state.baseLrs.length} groups, the optimizer has ${this.baseLrs.length}`);
    }
    this.lastEpoch = state.lastEpoch;
    this.stepCount = state.stepCount;
    this.baseLrs.splice(0, this.baseLrs.length, ...state.baseLrs);
    this.lastLr = [...state.lastLr];
  }
}
