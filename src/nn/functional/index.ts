/**
 * torch.nn.functional as `F`: `import { F } from 'twinml'`, then `F.relu(x)`, `F.cross_entropy(logits, y)`.
 * Names are torch's (snake_case); keyword arguments are an options object with camelCase names
 * (`F.cross_entropy(x, y, { labelSmoothing: 0.1 })`). Inputs are NCHW and weights in PyTorch's layouts.
 */
export * from './layers.js';
export { gelu, leaky_relu, sigmoid, tanh, softmax, log_softmax, type GeluApproximate, type GeluOptions } from './activations.js';
export { dropout, type DropoutFunctionalOptions } from './dropout.js';
export { pad, type PadMode, type PadOptions } from './pad.js';
export { one_hot } from './one-hot.js';
export { flatten } from '../tensor-helpers.js';
// Sequence models (issue 16).
export { layer_norm, rms_norm } from './normalization.js';
export { scaled_dot_product_attention, type ScaledDotProductAttentionOptions } from './attention.js';
export {
  cross_entropy,
  nll_loss,
  mse_loss,
  l1_loss,
  smooth_l1_loss,
  huber_loss,
  binary_cross_entropy,
  binary_cross_entropy_with_logits,
  type CrossEntropyOptions,
  type NLLLossOptions,
  type BCEOptions,
  type BCEWithLogitsOptions,
  type ReductionOptions,
  type SmoothL1Options,
  type HuberOptions,
  type Reduction,
} from '../loss/index.js';
