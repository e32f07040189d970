/** One plain line per update (no control codes) for pipes, files and CI. */
import type { BatchStats, EpochMetrics, RunInfo, RunSummary, TrainingReporter } from './reporter.js';
import { RunView } from './run-view.js';
import { etaSeconds, formatBytes, formatDuration, formatMetric, formatPercent } from './format.js';
import { summaryLines } from './summary.js';

export interface PlainReporterOptions {
  /** Where lines go (default: process.stdout). */
  write?: (text: string) => void;
  /** At most one batch line per this many seconds (default 5; 0 prints every batch). */
  everySeconds?: number;
  now?: () => number;
}

export class PlainReporter implements TrainingReporter {
  private run?: RunView;
  private lastLineAt = -Infinity;
  private readonly write: (text: string) => void;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(options: PlainReporterOptions = {}) {
    this.write = options.write ?? ((t) => process.stdout.write(t));
    this.everyMs = (options.everySeconds ?? 5) * 1000;
    this.now = options.now ?? (() => performance.now());
  }

  onStart(info: RunInfo): void {
    this.run = new RunView(info, this.now);
    const resumed = info.startStep > 0 ? ` (resumed at epoch ${info.startEpoch}, batch ${info.startBatch}, step ${info.startStep})` : '';
    this.write(
      `train ${info.runName}: ${info.model}, ${info.epochs} epoch(s) x ${info.batchesPerEpoch} batch(es) of ${info.batchSize}, ` +
        `${info.trainSamples} train / ${info.valSamples ?? 0} val samples, ${info.classes.length} classes${resumed}\n`,
    );
  }

  onBatch(stats: BatchStats): void {
    if (!this.run) return;
    this.run.batch(stats);
    const t = this.now();
    const info = this.run.view.info;
    const lastOfEpoch = stats.batch + 1 === info.batchesPerEpoch;
    if (t - this.lastLineAt < this.everyMs || lastOfEpoch) return;
    this.lastLineAt = t;
    const v = this.run.view;
    const left = info.epochs * info.batchesPerEpoch - ((stats.epoch - 1) * info.batchesPerEpoch + stats.batch + 1);
    const eta = etaSeconds(v.batchesThisProcess, left, v.batchSeconds);
    this.write(
      `epoch ${stats.epoch}/${info.epochs} batch ${stats.batch + 1}/${info.batchesPerEpoch} step ${stats.step} ` +
        `loss ${formatMetric(stats.loss)} acc ${formatPercent(stats.accuracy)} lr ${formatMetric(stats.lr)} ` +
        `${Math.round(stats.samplesPerSecond)} samples/s rss ${formatBytes(stats.rssBytes)} tensors ${stats.numTensors} ETA ${formatDuration(eta)}\n`,
    );
  }

  onEpoch(m: EpochMetrics): void {
    this.run?.epoch(m);
    const epochs = this.run?.view.info.epochs ?? 0;
    const fields = [
      `epoch ${m.epoch}/${epochs} done`,
      `step ${m.step}`,
      `train_loss ${m.trainLoss.toFixed(4)}`,
      ...(m.trainAccuracy !== undefined ? [`train_accuracy ${m.trainAccuracy.toFixed(4)}`] : []),
      ...(m.valLoss !== undefined ? [`val_loss ${m.valLoss.toFixed(4)}`] : []),
      ...(m.valAccuracy !== undefined ? [`val_accuracy ${m.valAccuracy.toFixed(4)}`] : []),
      `lr ${formatMetric(m.lr)}`,
      `${m.seconds.toFixed(1)}s`,
    ];
    this.write(fields.join('  ') + '\n');
  }

  onEnd(summary: RunSummary): void {
    this.write(summaryLines(summary).join('\n') + '\n');
  }

  log(line: string): void {
    this.write(line + '\n');
  }

  close(): void {}
}
