export { CrossEntropyLoss, type CrossEntropyLossOptions, type Reduction } from './cross-entropy.js';
export { MSELoss } from './mse.js';
