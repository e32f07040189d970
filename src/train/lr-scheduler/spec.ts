/**
 * `--lr-scheduler` specs. All but onecycle are stepped once per epoch (torch's usual loop); onecycle once per batch.
 *   step:<step_size>[:<gamma=0.1>]                                   StepLR
 *   multistep:<m1>,<m2>,...[:<gamma=0.1>]                            MultiStepLR
 *   exponential:<gamma>                                              ExponentialLR
 *   cosine[:<T_max=epochs>[:<eta_min=0>]]                            CosineAnnealingLR
 *   linear[:<start_factor=1/3>[:<end_factor=1>[:<total_iters=5>]]]   LinearLR
 *   onecycle:<max_lr>[:<pct_start=0.3>[:<anneal_strategy=cos|linear>]]   OneCycleLR over epochs x batches per epoch
 */
import type { Optimizer } from '../optim/optimizer.js';
import { CosineAnnealingLR, ExponentialLR, LinearLR, LRScheduler, MultiStepLR, OneCycleLR, StepLR } from './index.js';

/** The accepted forms, for --help and error messages. */
export const LR_SCHEDULER_FORMS = [
  'none',
  'step:<step_size>[:<gamma>]',
  'multistep:<m1>,<m2>,...[:<gamma>]',
  'exponential:<gamma>',
  'cosine[:<T_max>[:<eta_min>]]',
  'linear[:<start_factor>[:<end_factor>[:<total_iters>]]]',
  'onecycle:<max_lr>[:<pct_start>[:cos|linear]]',
];

/** What a spec needs to know about the run. */
export interface LrSchedulerRun {
  /** The run's epochs (cosine's default T_max; onecycle's cycle length with stepsPerEpoch). */
  epochs: number;
  /** Optimizer steps per epoch (onecycle); default 1. */
  stepsPerEpoch?: number;
}

/** True when `scheduler` is stepped after every batch (OneCycleLR) rather than every epoch. */
export function stepsPerBatch(scheduler: LRScheduler): boolean {
  return scheduler instanceof OneCycleLR;
}

/**
 * @param spec - the flag value
 * @param optimizer - the run's optimizer
 * @param run - the run's epochs (and steps per epoch for onecycle)
 * @returns the scheduler, or undefined for 'none'
 */
export function createLrScheduler(spec: string, optimizer: Optimizer<{ lr: number }>, run: LrSchedulerRun): LRScheduler | undefined {
  const [name, ...rest] = spec.split(':');
  const forms = `forms: ${LR_SCHEDULER_FORMS.join(' | ')}`;
  const num = (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`--lr-scheduler ${spec}: '${v}' is not a number; ${forms}`);
    return n;
  };
  const tooMany = (max: number) => {
    if (rest.length > max) throw new Error(`--lr-scheduler ${spec}: ${name} takes at most ${max} value(s); ${forms}`);
  };
  const nums = () => rest.map(num);
  const needs = (what: string, example: string) => {
    if (rest[0] === undefined) throw new Error(`--lr-scheduler ${spec}: ${name} needs ${what}, e.g. ${example}`);
  };
  switch (name) {
    case 'none':
      tooMany(0);
      return undefined;
    case 'step': {
      tooMany(2);
      needs('a step size', 'step:3 or step:3:0.5');
      const [stepSize, gamma] = nums();
      return new StepLR(optimizer, { stepSize: stepSize!, ...(gamma !== undefined ? { gamma } : {}) });
    }
    case 'multistep': {
      tooMany(2);
      needs('milestones', 'multistep:10,20 or multistep:10,20:0.5');
      const milestones = rest[0]!.split(',').map(num);
      const gamma = rest[1] !== undefined ? num(rest[1]) : undefined;
      return new MultiStepLR(optimizer, { milestones, ...(gamma !== undefined ? { gamma } : {}) });
    }
    case 'exponential':
      tooMany(1);
      needs('gamma', 'exponential:0.9');
      return new ExponentialLR(optimizer, { gamma: nums()[0]! });
    case 'cosine': {
      tooMany(2);
      const [tMax, etaMin] = nums();
      return new CosineAnnealingLR(optimizer, { tMax: tMax ?? run.epochs, ...(etaMin !== undefined ? { etaMin } : {}) });
    }
    case 'linear': {
      tooMany(3);
      const [startFactor, endFactor, totalIters] = nums();
      return new LinearLR(optimizer, {
        ...(startFactor !== undefined ? { startFactor } : {}),
        ...(endFactor !== undefined ? { endFactor } : {}),
        ...(totalIters !== undefined ? { totalIters } : {}),
      });
    }
    case 'onecycle': {
      tooMany(3);
      needs('max_lr', 'onecycle:0.1 or onecycle:0.1:0.25:linear');
      const maxLr = num(rest[0]!);
      const pctStart = rest[1] !== undefined ? num(rest[1]) : undefined;
      const anneal = rest[2];
      if (anneal !== undefined && anneal !== 'cos' && anneal !== 'linear') throw new Error(`--lr-scheduler ${spec}: anneal strategy '${anneal}' is unknown; valid: cos, linear`);
      return new OneCycleLR(optimizer, {
        maxLr,
        epochs: run.epochs,
        stepsPerEpoch: run.stepsPerEpoch ?? 1,
        ...(pctStart !== undefined ? { pctStart } : {}),
        ...(anneal !== undefined ? { annealStrategy: anneal } : {}),
      });
    }
    default:
      throw new Error(`--lr-scheduler: unknown scheduler '${name}'; ${forms}`);
  }
}
