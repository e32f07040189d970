/**
 * What a training session watches and trusts (checkpoints, resume, early stopping, ReduceLROnPlateau, gradient
 * clipping, LR schedule, report): the options of `TrainingSession`, set by `twinml train`'s flags or a config file.
 */
import type { LogFormat } from './dashboard/create-reporter.js';

/** The session's options (camelCase names of the train command's flags). */
export interface TrainingUxArgs {
  config?: string;
  printConfig: boolean;
  logFormat: LogFormat;
  checkpointEvery: number;
  keepLast: number;
  resume?: string;
  monitor: string;
  earlyStoppingPatience?: number;
  earlyStoppingMinDelta: number;
  reduceLrPatience?: number;
  reduceLrFactor: number;
  clipGradNorm?: number;
  lrScheduler: string;
  report: boolean;
}

/** Metrics that can pick `best/`, stop early or reduce the lr, with their direction. */
export const MONITORS: Record<string, 'min' | 'max'> = { val_loss: 'min', val_accuracy: 'max', train_loss: 'min' };

