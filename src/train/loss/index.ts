export { CrossEntropyLoss, type CrossEntropyLossOptions, type Reduction } from './cross-entropy.js';
export { MSELoss } from './mse.js';
export { BCEWithLogitsLoss, type BCEWithLogitsLossOptions } from './bce-with-logits.js';
export { NLLLoss, type NLLLossOptions } from './nll.js';
