export { LRScheduler, type LRSchedulerState } from './lr-scheduler.js';
export { StepLR, type StepLROptions } from './step-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
