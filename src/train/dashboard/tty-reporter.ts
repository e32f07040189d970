/**
 * The live terminal dashboard: redraws renderDashboard() in place (log-update) at most every `frameMs`, on
 * resize and once a second for the clock. Keys: `q` or Ctrl-C ask the loop to stop cleanly (stdin goes into raw
 * mode only when it is a TTY); a second Ctrl-C exits at once. The terminal (raw mode, cursor) is restored at
 * the end, on close() and on process exit, so a crash does not leave it broken.
 */
import { emitKeypressEvents } from 'node:readline';
import type { ReadStream } from 'node:tty';
import { createLogUpdate } from 'log-update';
import type { BatchStats, EpochMetrics, RunInfo, RunSummary, TrainingReporter } from './reporter.js';
import { RunView } from './run-view.js';
import { renderDashboard } from './render.js';
import { summaryLines } from './summary.js';

export interface TtyReporterOptions {
  /** Called once when the user presses q or Ctrl-C; the loop should stop after the current batch. */
  onStopRequested?: () => void;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Minimum milliseconds between redraws (default 100). */
  frameMs?: number;
  color?: boolean;
}

interface KeyPress {
  name?: string;
  ctrl?: boolean;
}

export class TtyReporter implements TrainingReporter {
  private run?: RunView;
  private readonly stdout: NodeJS.WriteStream;
  private readonly stdin: NodeJS.ReadStream;
  private readonly screen: ReturnType<typeof createLogUpdate>;
  private readonly frameMs: number;
  private readonly color: boolean;
  private lastFrame = -Infinity;
  private clock?: NodeJS.Timeout;
  private rawModeSet = false;
  private stopRequested = false;
  private closed = false;
  private readonly onKey = (_s: string | undefined, key: KeyPress | undefined) => this.handleKey(key);
  private readonly onResize = () => this.draw(true);
  private readonly onExit = () => this.close();

  constructor(private readonly options: TtyReporterOptions = {}) {
    this.stdout = options.stdout ?? process.stdout;
    this.stdin = options.stdin ?? process.stdin;
    this.frameMs = options.frameMs ?? 100;
    this.color = options.color ?? true;
    this.screen = createLogUpdate(this.stdout);
  }

  onStart(info: RunInfo): void {
    this.run = new RunView(info);
    process.once('exit', this.onExit);
    this.stdout.on('resize', this.onResize);
    if (this.stdin.isTTY) {
      emitKeypressEvents(this.stdin);
      (this.stdin as ReadStream).setRawMode(true);
      this.rawModeSet = true;
      this.stdin.on('keypress', this.onKey);
      this.stdin.resume();
    }
    this.clock = setInterval(() => this.draw(true), 1000);
    this.clock.unref();
    this.draw(true);
  }

  private handleKey(key: KeyPress | undefined): void {
    if (!key) return;
    const ctrlC = key.ctrl === true && key.name === 'c';
    if (!ctrlC && key.name !== 'q') return;
    if (this.stopRequested && ctrlC) {
      this.close();
      this.stdout.write('twinml: stopped at once (second Ctrl-C); the last checkpoint is intact\n');
      process.exit(130);
    }
    if (this.stopRequested) return;
    this.stopRequested = true;
    if (this.run) this.run.view.status = 'stopping after this batch (writing a checkpoint)… Ctrl-C again to quit at once';
    this.draw(true);
    this.options.onStopRequested?.();
  }

  private draw(force = false): void {
    if (!this.run || this.closed) return;
    const t = performance.now();
    if (!force && t - this.lastFrame < this.frameMs) return;
    this.lastFrame = t;
    this.run.tick();
    const size = { columns: this.stdout.columns || 80, rows: (this.stdout.rows || 24) - 1 };
    this.screen(renderDashboard(this.run.view, size, this.color));
  }

  onBatch(stats: BatchStats): void {
    this.run?.batch(stats);
    this.draw();
  }

  onEpoch(metrics: EpochMetrics): void {
    this.run?.epoch(metrics);
    this.draw(true);
  }

  onEnd(summary: RunSummary): void {
    this.draw(true);
    this.close();
    this.stdout.write(summaryLines(summary).join('\n') + '\n');
  }

  log(line: string): void {
    if (this.closed || !this.run) {
      this.stdout.write(line + '\n');
      return;
    }
    this.screen.clear();
    this.stdout.write(line + '\n');
    this.draw(true);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.clock) clearInterval(this.clock);
    this.stdout.off('resize', this.onResize);
    process.off('exit', this.onExit);
    if (this.rawModeSet) {
      this.stdin.off('keypress', this.onKey);
      (this.stdin as ReadStream).setRawMode(false);
      this.stdin.pause();
      this.rawModeSet = false;
    }
    this.screen.done();
  }
}
