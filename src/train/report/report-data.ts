/** Everything the run report shows, gathered by the train command at the end of a run. */
import type { PerClassMetrics } from '../metrics/classification.js';
import type { ConfusionMatrix } from '../metrics/confusion-matrix.js';

export interface ReportData {
  runName: string;
  /** ISO time the report was made. */
  createdAt: string;
  /** The resolved run config (config.json). */
  config: object;
  /** metrics.jsonl rows: epoch, step, train_loss, val_loss, val_accuracy, lr, epoch_seconds, ... */
  history: Array<Record<string, number>>;
  classes: string[];
  /** Validation confusion matrix of the final weights (rows = truth). */
  confusion: ConfusionMatrix;
  perClass: PerClassMetrics;
  summary: { stopReason: string; message?: string; epochsCompleted: number; steps: number; seconds: number };
  /** Files of the run: label -> path (the exported model first). */
  outputs: Record<string, string>;
}
