/** The optimizer names createOptimizer and `twinml train --optimizer` accept (no tfjs import: the CLI reads it at start-up). */
export const OPTIMIZER_NAMES = ['sgd', 'adam', 'adamw', 'adadelta', 'rmsprop', 'adagrad'] as const;

/** Lower-case optimizer names (torch's class names, lower-cased). */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
