/** JSON lines (`--log-format json`): one object per event, `{"event": "start"|"batch"|"epoch"|"end", ...}`. */
import type { BatchStats, EpochMetrics, RunInfo, RunSummary, TrainingReporter } from './reporter.js';

export interface JsonReporterOptions {
  write?: (text: string) => void;
  /** Where messages for people go (default: stderr, so stdout stays JSON). */
  writeMessage?: (text: string) => void;
  /** Emit every n-th batch (default 1: all). */
  everyBatches?: number;
}

/** JSON has no NaN/Infinity: they are written as the strings "NaN", "Infinity", "-Infinity". */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

export class JsonReporter implements TrainingReporter {
  private readonly write: (text: string) => void;
  private readonly every: number;
  private readonly writeMessage: (text: string) => void;

  constructor(options: JsonReporterOptions = {}) {
    this.write = options.write ?? ((t) => process.stdout.write(t));
    this.every = Math.max(1, Math.floor(options.everyBatches ?? 1));
    this.writeMessage = options.writeMessage ?? ((t) => process.stderr.write(t));
  }

  private emit(event: string, body: object): void {
    this.write(JSON.stringify({ event, time: new Date().toISOString(), ...body }, replacer) + '\n');
  }

  onStart(info: RunInfo): void {
    this.emit('start', info);
  }

  onBatch(stats: BatchStats): void {
    if (stats.step % this.every === 0) this.emit('batch', stats);
  }

  onEpoch(metrics: EpochMetrics): void {
    this.emit('epoch', metrics);
  }

  onEnd(summary: RunSummary): void {
    this.emit('end', summary);
  }

  log(line: string): void {
    this.writeMessage(line + '\n');
  }

  close(): void {}
}
