/**
 * Mirrors torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10,
 * threshold=1e-4, threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8): after more than `patience` epochs
 * without improvement, every group's lr becomes max(lr * factor, min_lr) (skipped when the change is <= eps),
 * then `cooldown` epochs pass before bad epochs count again.
 */
import type { Optimizer } from '../optim/optimizer.js';

export interface ReduceLROnPlateauOptions {
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  /** One value for all groups or one per group. */
  minLr: number | number[];
  eps: number;
}

export interface ReduceLROnPlateauState {
  best: number;
  numBadEpochs: number;
  cooldownCounter: number;
  lastEpoch: number;
}

export class ReduceLROnPlateau {
  readonly options: ReduceLROnPlateauOptions;
  private state: ReduceLROnPlateauState;
  private readonly minLrs: number[];

  /**
   * @param optimizer - whose groups' `lr` is reduced
   * @param options - torch's arguments (camelCase)
   */
  constructor(private readonly optimizer: Optimizer<{ lr: number }>, options: Partial<ReduceLROnPlateauOptions> = {}) {
    this.options = { mode: 'min', factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: 'rel', cooldown: 0, minLr: 0, eps: 1e-8, ...options };
    const o = this.options;
    if (!(o.factor < 1)) throw new Error(`ReduceLROnPlateau: factor should be < 1.0, got ${o.factor}`);
    if (o.mode !== 'min' && o.mode !== 'max') throw new Error(`ReduceLROnPlateau: mode '${String(o.mode)}' is unknown; valid: min, max`);
    if (o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs') throw new Error(`ReduceLROnPlateau: threshold mode '${String(o.thresholdMode)}' is unknown; valid: rel, abs`);
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(o.minLr) && o.minLr.length !== groups) throw new Error(`ReduceLROnPlateau: expected ${groups} min_lrs, got ${o.minLr.length}`);
    this.minLrs = Array.isArray(o.minLr) ? [...o.minLr] : new Array<number>(groups).fill(o.minLr);
    this.state = { best: o.mode === 'min' ? Infinity : -Infinity, numBadEpochs: 0, cooldownCounter: 0, lastEpoch: 0 };
  }

  private isBetter(a: number, best: number): boolean {
    const { mode, thresholdMode, threshold } = this.options;
    if (mode === 'min' && thresholdMode === 'rel') return a < best * (1 - threshold);
    if (mode === 'min') return a < best - threshold;
    if (thresholdMode === 'rel') return a > best * (threshold + 1);
    return a > best + threshold;
  }

  /** Call once per epoch with the monitored metric. */
  step(metric: number): void {
    const st = this.state;
    st.lastEpoch += 1;
    if (this.isBetter(metric, st.best)) {
      st.best = metric;
      st.numBadEpochs = 0;
    } else st.numBadEpochs += 1;
    if (st.cooldownCounter > 0) {
      st.cooldownCounter -= 1;
      st.numBadEpochs = 0;
    }
    if (st.numBadEpochs > this.options.patience) {
      this.reduceLr();
      st.cooldownCounter = this.options.cooldown;
      st.numBadEpochs = 0;
    }
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.options.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.options.eps) g.lr = newLr;
    });
  }

  /** The current lr of each group (torch's get_last_lr()). */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): ReduceLROnPlateauState {
    return { ...this.state };
  }

  loadStateDict(state: ReduceLROnPlateauState): void {
    this.state = { ...state };
  }
}
