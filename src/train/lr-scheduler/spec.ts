/**
 * `--lr-scheduler` specs, stepped once per epoch like torch's usual loop:
 *   step:<step_size>[:<gamma=0.1>]                     StepLR
 *   cosine[:<T_max=epochs>[:<eta_min=0>]]              CosineAnnealingLR
 *   linear[:<start_factor=1/3>[:<end_factor=1>[:<total_iters=5>]]]   LinearLR
 */
import type { Optimizer } from '../optim/optimizer.js';
import { CosineAnnealingLR, LinearLR, LRScheduler, StepLR } from './index.js';

export const LR_SCHEDULER_FORMS = ['none', 'step:<step_size>[:<gamma>]', 'cosine[:<T_max>[:<eta_min>]]', 'linear[:<start_factor>[:<end_factor>[:<total_iters>]]]'];

/**
 * @param spec - the flag value
 * @param optimizer - the run's optimizer
 * @param epochs - the run's epochs (cosine's default T_max)
 * @returns the scheduler, or undefined for 'none'
 */
export function createLrScheduler(spec: string, optimizer: Optimizer<{ lr: number }>, epochs: number): LRScheduler | undefined {
  const [name, ...rest] = spec.split(':');
  const nums = rest.map((v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`--lr-scheduler ${spec}: '${v}' is not a number; forms: ${LR_SCHEDULER_FORMS.join(' | ')}`);
    return n;
  });
  const tooMany = (max: number) => {
    if (nums.length > max) throw new Error(`--lr-scheduler ${spec}: ${name} takes at most ${max} value(s); forms: ${LR_SCHEDULER_FORMS.join(' | ')}`);
  };
  switch (name) {
    case 'none':
      tooMany(0);
      return undefined;
    case 'step':
      tooMany(2);
      if (nums[0] === undefined) throw new Error(`--lr-scheduler ${spec}: step needs a step size, e.g. step:3 or step:3:0.5`);
      return new StepLR(optimizer, { stepSize: nums[0], ...(nums[1] !== undefined ? { gamma: nums[1] } : {}) });
    case 'cosine':
      tooMany(2);
      return new CosineAnnealingLR(optimizer, { tMax: nums[0] ?? epochs, ...(nums[1] !== undefined ? { etaMin: nums[1] } : {}) });
    case 'linear':
      tooMany(3);
      return new LinearLR(optimizer, {
        ...(nums[0] !== undefined ? { startFactor: nums[0] } : {}),
        ...(nums[1] !== undefined ? { endFactor: nums[1] } : {}),
        ...(nums[2] !== undefined ? { totalIters: nums[2] } : {}),
      });
    default:
      throw new Error(`--lr-scheduler: unknown scheduler '${name}'; forms: ${LR_SCHEDULER_FORMS.join(' | ')}`);
  }
}
