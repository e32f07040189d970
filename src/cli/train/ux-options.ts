/**
 * The train command's options for watching and trusting a run: config files, log format, checkpoints,
 * resume, early stopping, ReduceLROnPlateau and gradient clipping. Kept apart from the model/data options.
 */
import type { Argv } from 'yargs';
import { LOG_FORMATS } from '../../train/dashboard/create-reporter.js';
import { MONITORS, type TrainingUxArgs } from '../../train/session-options.js';

export { MONITORS, type TrainingUxArgs };

/** Option names a config file may set (camelCase); --config, --resume and --print-config are not among them. */
export const UX_CONFIG_KEYS = ['logFormat', 'checkpointEvery', 'keepLast', 'monitor', 'earlyStoppingPatience', 'earlyStoppingMinDelta', 'reduceLrPatience', 'reduceLrFactor', 'clipGradNorm', 'lrScheduler', 'report'];

/** @param y - the train command's yargs */
export function addTrainingUxOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('print-config', { type: 'boolean', default: false, describe: 'print the resolved config (defaults < --config file < flags) and exit without training' })
    .option('log-format', { type: 'string', choices: LOG_FORMATS, default: 'auto', describe: 'auto: live dashboard on a terminal, plain lines otherwise; json: JSON lines' })
    .option('checkpoint-every', { type: 'number', default: 0, describe: 'write checkpoints/step-<n>/ every N optimizer steps (0: only at epoch ends and on stop)' })
    .option('keep-last', { type: 'number', default: 3, describe: 'keep the newest K step checkpoints (0: all); best/ is kept apart' })
    .option('resume', { type: 'string', describe: 'continue runs/<name> from its latest checkpoint with its saved config (no other flags needed)' })
    .option('monitor', { type: 'string', choices: Object.keys(MONITORS), default: 'val_loss', describe: 'metric for best/, early stopping and ReduceLROnPlateau' })
    .option('early-stopping-patience', { type: 'number', describe: 'stop after N epochs without improvement of --monitor and restore the best weights' })
    .option('early-stopping-min-delta', { type: 'number', default: 0, describe: 'smallest change of --monitor that counts as an improvement' })
    .option('reduce-lr-patience', { type: 'number', describe: 'ReduceLROnPlateau: multiply the lr by --reduce-lr-factor after N epochs without improvement' })
    .option('reduce-lr-factor', { type: 'number', default: 0.1, describe: 'ReduceLROnPlateau factor (< 1)' })
    .option('clip-grad-norm', { type: 'number', describe: 'clip the total L2 norm of the gradients to this value (clip_grad_norm_)' })
    .option('lr-scheduler', {
      type: 'string',
      default: 'none',
      describe:
        'LR schedule (torch.optim.lr_scheduler), stepped per epoch (onecycle: per batch): none | step:<step_size>[:<gamma>] | ' +
        'multistep:<m1>,<m2>,...[:<gamma>] | exponential:<gamma> | cosine[:<T_max>[:<eta_min>]] | linear[:<start>[:<end>[:<iters>]]] | ' +
        'onecycle:<max_lr>[:<pct_start>[:cos|linear]]',
    })
    .option('report', { type: 'boolean', default: true, describe: 'write report.html and curves.svg at the end (--no-report to skip)' });
}

/** Throws naming the flag when a value is out of range. @param a - parsed arguments */
export function checkTrainingUxArgs(a: TrainingUxArgs): void {
  const nonNegInt = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
  };
  const posInt = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new Error(`--${name} must be a positive integer, got ${v}`);
  };
  nonNegInt('checkpoint-every', a.checkpointEvery);
  nonNegInt('keep-last', a.keepLast);
  posInt('early-stopping-patience', a.earlyStoppingPatience);
  nonNegInt('reduce-lr-patience', a.reduceLrPatience);
  if (!(a.earlyStoppingMinDelta >= 0)) throw new Error(`--early-stopping-min-delta must be >= 0, got ${a.earlyStoppingMinDelta}`);
  if (!(a.reduceLrFactor > 0 && a.reduceLrFactor < 1)) throw new Error(`--reduce-lr-factor must be in (0, 1), got ${a.reduceLrFactor}`);
  if (a.clipGradNorm !== undefined && !(a.clipGradNorm > 0)) throw new Error(`--clip-grad-norm must be > 0, got ${a.clipGradNorm}`);
}
