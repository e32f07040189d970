/**
 * Mirrors torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers, milestones): runs schedulers[0] until
 * milestones[0], then schedulers[1] (started at its epoch 0 from the closed form) until milestones[1], and so on,
 * with PyTorch's construction (every group's lr back to initial_lr, each scheduler's last_epoch undone by one,
 * the first scheduler's initial step taken again).
 */
import { LRScheduler, type LRSchedulerState, type ScheduledOptimizer } from './lr-scheduler.js';

/** SequentialLR's arguments (camelCase). */
export interface SequentialLROptions {
  /** The schedulers, in the order they run; all on `optimizer`. */
  schedulers: LRScheduler[];
  /** The epochs where the next scheduler takes over (one fewer than schedulers). */
  milestones: number[];
}

/** torch.optim.lr_scheduler.SequentialLR. */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  readonly milestones: number[];

  /**
   * @param optimizer - the optimizer all schedulers act on
   * @param options - schedulers and milestones (required)
   */
  constructor(optimizer: ScheduledOptimizer, options: SequentialLROptions) {
    super(optimizer);
    const { schedulers, milestones } = options;
    if (schedulers.length < 1) throw new Error('SequentialLR expects at least one scheduler, but got no scheduler.');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) throw new Error(`SequentialLR expects all schedulers to belong to the same optimizer, but the scheduler at index ${i} has another one`);
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new Error(
        `SequentialLR expects one more scheduler than milestones, got ${schedulers.length} schedulers and ${milestones.length} milestones`,
      );
    }
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = 0;
    // PyTorch: reset every group's lr to its initial_lr, undo one step of every scheduler, redo the first's initial step.
    optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.baseLrs[i]!;
    });
    for (const s of this.schedulers) undoStep(s);
    const first = this.schedulers[this.index(0)]!;
    first.initialStep();
    this.lastLr = first.getLastLr();
  }

  /** bisect_right(milestones, epoch): the scheduler in charge at `epoch`. */
  private index(epoch: number): number {
    return this.milestones.filter((m) => m <= epoch).length;
  }

  protected getLr(): number[] {
    return this.groupLrs();
  }

  /** Advances one epoch: the scheduler in charge steps (or starts, at its milestone). */
  override step(): void {
    this.lastEpoch += 1;
    const idx = this.index(this.lastEpoch);
    const scheduler = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.updateLr(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  override stateDict(): LRSchedulerState {
    return { ...super.stateDict(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(state: LRSchedulerState): void {
    super.loadStateDict(state);
    if (state.schedulers?.length !== this.schedulers.length) {
      throw new Error(`SequentialLR: state has ${state.schedulers?.length ?? 0} schedulers, this one has ${this.schedulers.length}`);
    }
    state.schedulers.forEach((s, i) => this.schedulers[i]!.loadStateDict(s));
  }
}

/** PyTorch's recursive_undo: one step back for a scheduler (and the schedulers inside a SequentialLR). */
function undoStep(s: LRScheduler): void {
  if (s instanceof SequentialLR) for (const child of s.schedulers) undoStep(child);
  else s.lastEpoch -= 1;
}
