/**
 * torch.optim in TypeScript: the optimizers with torch's class names, defaults and update rules, parameter
 * groups, and `lr_scheduler` (so `optim.lr_scheduler.StepLR` reads as in PyTorch).
 */
export {
  Optimizer,
  type BaseOptimizerOptions,
  type OptimizerParams,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
} from './optimizer.js';
export { SGD, SGD_DEFAULTS, type SGDOptions } from './sgd.js';
export { Adam, AdamW, ADAM_DEFAULTS, ADAMW_DEFAULTS, type AdamOptions } from './adam.js';
export { Adadelta, ADADELTA_DEFAULTS, type AdadeltaOptions } from './adadelta.js';
export { RMSprop, RMSPROP_DEFAULTS, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, ADAGRAD_DEFAULTS, type AdagradOptions } from './adagrad.js';
export { createOptimizer, optimizerDefaults, OPTIMIZER_NAMES, type OptimizerName } from './create-optimizer.js';
export * as lr_scheduler from '../lr-scheduler/index.js';
