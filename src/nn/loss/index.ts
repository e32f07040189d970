/** torch.nn's losses, as modules and as functions (the functions are also in `F`). */
export { Loss } from './loss-module.js';
export { type Reduction, type WeightInput } from './reduction.js';
export { cross_entropy, CrossEntropyLoss, type CrossEntropyOptions } from './cross-entropy.js';
export { nll_loss, NLLLoss, type NLLLossOptions } from './nll.js';
export {
  binary_cross_entropy,
  binary_cross_entropy_with_logits,
  BCELoss,
  BCEWithLogitsLoss,
  type BCEOptions,
  type BCEWithLogitsOptions,
} from './binary-cross-entropy.js';
export {
  mse_loss,
  l1_loss,
  smooth_l1_loss,
  huber_loss,
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  type ReductionOptions,
  type SmoothL1Options,
  type HuberOptions,
} from './regression.js';
