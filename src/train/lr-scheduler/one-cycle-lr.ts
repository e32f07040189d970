/**
 * Mirrors torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None,
 * steps_per_epoch=None, pct_start=0.3, anneal_strategy='cos', cycle_momentum=True, base_momentum=0.85,
 * max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False): the 1cycle policy, stepped once
 * per batch. The lr rises from max_lr/div_factor to max_lr over pct_start of the steps, then anneals to
 * initial_lr/final_div_factor (three_phase: back to initial_lr first); with cycle_momentum, SGD's `momentum` (or
 * Adam's beta1) moves the opposite way between max_momentum and base_momentum.
 */
import { LRScheduler, setInitialLr, type ScheduledOptimizer } from './lr-scheduler.js';

/** OneCycleLR's arguments (camelCase). */
export interface OneCycleLROptions {
  /** Peak learning rate: one for all groups or one per group. */
  maxLr: number | number[];
  /** Number of steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle SGD's momentum / Adam's beta1 inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lower momentum bound (default 0.85), one value or one per group. */
  baseMomentum?: number | number[];
  /** Upper momentum bound (default 0.95), one value or one per group. */
  maxMomentum?: number | number[];
  /** initial_lr = max_lr / divFactor (default 25). */
  divFactor?: number;
  /** min_lr = initial_lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases: up, back down to initial_lr, then to min_lr (default false). */
  threePhase?: boolean;
}

/** A group's lr and momentum bounds: initial_lr, max_lr, min_lr, max_momentum, base_momentum. */
export type OneCycleBound = 'initial' | 'max' | 'min' | 'maxMomentum' | 'baseMomentum';

/** One phase of the cycle: it ends at `endStep` and anneals between the named bounds. */
export interface OneCyclePhase {
  endStep: number;
  startLr: OneCycleBound;
  endLr: OneCycleBound;
  startMomentum: OneCycleBound;
  endMomentum: OneCycleBound;
}

function perGroup(name: string, value: number | number[], groups: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups) throw new Error(`OneCycleLR: ${name} has ${value.length} values, param_groups has ${groups}`);
    return [...value];
  }
  return new Array<number>(groups).fill(value);
}

function positiveInteger(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`OneCycleLR: expected positive integer ${name}, but got ${v}`);
  return v;
}

/** torch.optim.lr_scheduler.OneCycleLR. */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: 'cos' | 'linear';
  readonly cycleMomentum: boolean;
  /** True when the optimizer has betas (Adam): beta1 is cycled instead of momentum. */
  readonly useBeta1: boolean;
  /** The phases: the step where each ends and the lr / momentum it anneals between (torch's `_schedule_phases`). */
  readonly phases: readonly OneCyclePhase[];
  /** Per group: initial, max and min lr, and momentum bounds (PyTorch keeps them in the param groups). */
  readonly bounds: ReadonlyArray<Record<OneCycleBound, number>>;

  /**
   * @param optimizer - the optimizer
   * @param options - maxLr and (totalSteps or epochs and stepsPerEpoch) are required; the rest default as in PyTorch
   */
  constructor(optimizer: ScheduledOptimizer, options: OneCycleLROptions) {
    const o = options;
    let totalSteps: number;
    if (o.totalSteps !== undefined) totalSteps = positiveInteger('total_steps', o.totalSteps);
    else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) totalSteps = positiveInteger('epochs', o.epochs) * positiveInteger('steps_per_epoch', o.stepsPerEpoch);
    else throw new Error('OneCycleLR: you must define either totalSteps OR (epochs AND stepsPerEpoch)');
    const pctStart = o.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new Error(`OneCycleLR: expected pct_start between 0 and 1, but got ${pctStart}`);
    const annealStrategy = o.annealStrategy ?? 'cos';
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new Error(`OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', instead got ${String(annealStrategy)}`);
    const groups = optimizer.paramGroups;
    const divFactor = o.divFactor ?? 25;
    const finalDivFactor = o.finalDivFactor ?? 1e4;
    const maxLrs = perGroup('max_lr', o.maxLr, groups.length);
    const bounds = groups.map((g, i) => {
      const initial = maxLrs[i]! / divFactor;
      setInitialLr(g, initial);
      return { initial, max: maxLrs[i]!, min: initial / finalDivFactor, maxMomentum: 0, baseMomentum: 0 };
    });
    const cycleMomentum = o.cycleMomentum ?? true;
    const defaults = optimizer.defaults as Record<string, unknown>;
    const useBeta1 = 'betas' in defaults;
    if (cycleMomentum) {
      if (!('momentum' in defaults) && !useBeta1) throw new Error('OneCycleLR: optimizer must support momentum or beta1 with `cycleMomentum` option enabled');
      const maxMomentums = perGroup('max_momentum', o.maxMomentum ?? 0.95, groups.length);
      const baseMomentums = perGroup('base_momentum', o.baseMomentum ?? 0.85, groups.length);
      groups.forEach((g, i) => {
        setMomentum(g as unknown as Record<string, unknown>, useBeta1, maxMomentums[i]!);
        bounds[i]!.maxMomentum = maxMomentums[i]!;
        bounds[i]!.baseMomentum = baseMomentums[i]!;
      });
    }
    super(optimizer);
    this.totalSteps = totalSteps;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.bounds = bounds;
    this.phases = o.threePhase
      ? [
          { endStep: pctStart * totalSteps - 1, startLr: 'initial', endLr: 'max', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pctStart * totalSteps - 2, startLr: 'max', endLr: 'initial', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: totalSteps - 1, startLr: 'initial', endLr: 'min', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pctStart * totalSteps - 1, startLr: 'initial', endLr: 'max', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: totalSteps - 1, startLr: 'max', endLr: 'min', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${stepNum} times. The specified number of total steps is ${this.totalSteps}`);
    }
    return this.optimizer.paramGroups.map((group, gi) => {
      const b = this.bounds[gi]!;
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i]!;
        if (stepNum <= phase.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          lr = this.anneal(b[phase.startLr], b[phase.endLr], pct);
          if (this.cycleMomentum) momentum = this.anneal(b[phase.startMomentum], b[phase.endMomentum], pct);
          break;
        }
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) setMomentum(group as unknown as Record<string, unknown>, this.useBeta1, momentum);
      return lr;
    });
  }
}

/** Sets a group's momentum, or beta1 of its betas. */
function setMomentum(group: Record<string, unknown>, useBeta1: boolean, value: number): void {
  if (useBeta1) group['betas'] = [value, (group['betas'] as number[])[1]!];
  else group['momentum'] = value;
}
