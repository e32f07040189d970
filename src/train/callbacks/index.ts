export { clipGradNorm, type ClipGradNormOptions } from './clip-grad-norm.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from './reduce-lr-on-plateau.js';
export { EarlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from './early-stopping.js';
