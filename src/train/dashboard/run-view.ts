/** Accumulates reported events into the DashboardView the renderer draws (no I/O). */
import type { BatchStats, EpochMetrics, RunInfo } from './reporter.js';
import type { DashboardView } from './render.js';

export class RunView {
  readonly view: DashboardView;
  private readonly startedAt: number;
  private lastBatchAt: number;

  /**
   * @param info - the run
   * @param now - clock in milliseconds (injectable for tests)
   */
  constructor(info: RunInfo, private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
    this.lastBatchAt = this.startedAt;
    this.view = { info, stepLoss: [], stepAccuracy: [], epochs: [], elapsedSeconds: 0, batchesThisProcess: 0, batchSeconds: 0 };
  }

  batch(stats: BatchStats): void {
    const t = this.now();
    const v = this.view;
    v.last = stats;
    v.batchesThisProcess += 1;
    v.batchSeconds += (t - this.lastBatchAt) / 1000;
    this.lastBatchAt = t;
    v.stepLoss.push([stats.step, stats.loss]);
    if (stats.accuracy !== undefined) v.stepAccuracy.push([stats.step, stats.accuracy]);
    this.tick();
  }

  epoch(metrics: EpochMetrics): void {
    this.view.epochs.push(metrics);
    // Validation time is not batch time: the next batch's clock starts now.
    this.lastBatchAt = this.now();
    this.tick();
  }

  tick(): void {
    this.view.elapsedSeconds = (this.now() - this.startedAt) / 1000;
  }
}
