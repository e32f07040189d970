/**
 * What a training loop tells whoever watches it. Three implementations: a live dashboard for a terminal
 * (tty-reporter.ts), one plain line per update for pipes and CI (plain-reporter.ts), JSON lines for machines
 * (json-reporter.ts); `createReporter` picks one.
 */

/** Told once, before the first batch. */
export interface RunInfo {
  runName: string;
  runDir: string;
  /** Model name (e.g. 'mlp'). */
  model: string;
  /** Total epochs of the run. */
  epochs: number;
  batchesPerEpoch: number;
  batchSize: number;
  trainSamples: number;
  valSamples?: number;
  /** Class names, index = label. */
  classes: string[];
  /** Per-class sample counts of the training set. */
  classHistogram: number[];
  /** Where the run starts: epoch 1 (1-based), batch 0, step 0 for a new run; later when resumed. */
  startEpoch: number;
  startBatch: number;
  /** Optimizer steps already taken (resume). */
  startStep: number;
}

/** Told after each optimizer step. */
export interface BatchStats {
  /** 1-based epoch (like the training loop). */
  epoch: number;
  /** 0-based index within the epoch of the batch just finished. */
  batch: number;
  /** Optimizer steps taken so far in the run (1 after the first batch). */
  step: number;
  loss: number;
  /** Fraction of the batch classified correctly, when the task has classes. */
  accuracy?: number;
  lr: number;
  /** Training throughput over the recent batches. */
  samplesPerSecond: number;
  /** Process resident set size in bytes (process.memoryUsage().rss). */
  rssBytes: number;
  /** tf.memory().numTensors, passed in by the loop (the reporter never imports tfjs). */
  numTensors: number;
}

/** Told at the end of each epoch. */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  step: number;
  trainLoss: number;
  trainAccuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  /** Wall time of the epoch in seconds (training and validation). */
  seconds: number;
}

export type StopReason = 'completed' | 'early-stopping' | 'user' | 'non-finite-loss' | 'error';

/** Told once at the end (also after a stop or an error). */
export interface RunSummary {
  stopReason: StopReason;
  /** A sentence for people (e.g. which step had a NaN loss). */
  message?: string;
  epochsCompleted: number;
  steps: number;
  seconds: number;
  best?: { metric: string; value: number; epoch: number };
  /** Files the run wrote, name -> path (model, report, ...). */
  outputs?: Record<string, string>;
}

export interface TrainingReporter {
  onStart(info: RunInfo): void;
  onBatch(stats: BatchStats): void;
  onEpoch(metrics: EpochMetrics): void;
  onEnd(summary: RunSummary): void;
  /** A message for people during the run (printed above the live dashboard; stderr in JSON mode). */
  log(line: string): void;
  /** Releases the terminal (raw mode, cursor) without a summary; safe to call twice. */
  close(): void;
}
