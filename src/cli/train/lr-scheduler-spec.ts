/** Moved to src/train/lr-scheduler/spec.ts (a library part of the training session); re-exported for the CLI. */
export * from '../../train/lr-scheduler/spec.js';
