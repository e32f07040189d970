/** Chooses the reporter: JSON lines when asked, the live dashboard on a terminal, plain lines otherwise. */
import type { TrainingReporter } from './reporter.js';
import { TtyReporter } from './tty-reporter.js';
import { PlainReporter } from './plain-reporter.js';
import { JsonReporter } from './json-reporter.js';

export const LOG_FORMATS = ['auto', 'tty', 'plain', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface CreateReporterOptions {
  /** 'auto' (default): tty when stdout is a terminal, plain otherwise. */
  logFormat?: LogFormat;
  /** Whether stdout is a terminal (default process.stdout.isTTY). */
  isTTY?: boolean;
  /** Called when the user asks the dashboard to stop (q / Ctrl-C). */
  onStopRequested?: () => void;
}

/**
 * @param options - format and terminal
 */
export function createReporter(options: CreateReporterOptions = {}): TrainingReporter {
  const format = options.logFormat ?? 'auto';
  if (!LOG_FORMATS.includes(format)) throw new Error(`--log-format: unknown format '${String(format)}'; valid: ${LOG_FORMATS.join(', ')}`);
  const isTTY = options.isTTY ?? process.stdout.isTTY === true;
  if (format === 'json') return new JsonReporter();
  if (format === 'plain' || (format === 'auto' && !isTTY)) return new PlainReporter();
  return new TtyReporter({ onStopRequested: options.onStopRequested });
}
