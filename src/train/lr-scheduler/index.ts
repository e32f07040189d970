/**
 * torch.optim.lr_scheduler in TypeScript (also reachable as `optim.lr_scheduler`): the schedulers with torch's
 * class names, defaults and chainable formulas, so learning rates match PyTorch's float for float.
 */
export { LRScheduler, setInitialLr, type LRSchedulerState, type ScheduledOptimizer } from './lr-scheduler.js';
export { StepLR, type StepLROptions } from './step-lr.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { LambdaLR, type LambdaLROptions, type LrLambda } from './lambda-lr.js';
export { SequentialLR, type SequentialLROptions } from './sequential-lr.js';
export { OneCycleLR, type OneCycleLROptions, type OneCyclePhase, type OneCycleBound } from './one-cycle-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from '../callbacks/reduce-lr-on-plateau.js';
