/** The data reports of a run directory: confusion_matrix.json (final epoch) and skipped.txt (--skip-bad). */
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { SkippedSamples } from '../../data/stream.js';
import { imbalanceMetrics, type ConfusionReport } from '../../train/imbalance-metrics.js';
import type { TrainerCallbacks } from '../../train/trainer.js';

/** Writes the final validation confusion matrix with per-class precision/recall/F1 and the summary metrics. */
export function writeConfusionMatrix(runDir: string, report: ConfusionReport): void {
  const perClass = report.classes.map((name, c) => ({
    class: name,
    precision: report.precision[c],
    recall: report.recall[c],
    f1: report.f1[c],
    support: report.support[c],
  }));
  const body = {
    epoch: report.epoch,
    classes: report.classes,
    rows: 'true class',
    columns: 'predicted class',
    matrix: report.matrix,
    accuracy: report.accuracy,
    balanced_accuracy: report.balancedAccuracy,
    macro_f1: report.macroF1,
    per_class: perClass,
  };
  writeFileAtomic(join(runDir, 'confusion_matrix.json'), JSON.stringify(body, null, 2) + '\n');
}

/** Prints a confusion matrix as a small table. */
export function formatConfusionMatrix(report: ConfusionReport): string[] {
  const width = Math.max(6, ...report.classes.map((c) => c.length), ...report.matrix.flat().map((v) => String(v).length));
  const first = Math.max(9, ...report.classes.map((c) => c.length));
  const head = ['true\\pred'.padEnd(first), ...report.classes.map((c) => c.padStart(width))].join(' ');
  return [head, ...report.matrix.map((row, i) => [report.classes[i]!.padEnd(first), ...row.map((v) => String(v).padStart(width))].join(' '))];
}

/**
 * Callbacks to register before the metrics writer: val_balanced_accuracy / val_macro_f1 per epoch, and the
 * confusion matrix written and printed at the end.
 * @param runDir - the run directory
 * @param classes - class names
 */
export function dataReportCallbacks(runDir: string, classes: string[], log: (line: string) => void = console.log): TrainerCallbacks[] {
  return [
    imbalanceMetrics(classes, (report) => {
      writeConfusionMatrix(runDir, report);
      log(`confusion matrix (validation, epoch ${report.epoch}; rows = true class) -> ${join(runDir, 'confusion_matrix.json')}`);
      for (const line of formatConfusionMatrix(report)) log(`  ${line}`);
    }),
  ];
}

/** Writes skipped.txt (one `<file>[ row <n>]<TAB><error>` line per skipped sample) when anything was skipped. */
export function writeSkipped(runDir: string, skipped: SkippedSamples, log: (line: string) => void = console.log): void {
  if (skipped.count === 0) return;
  const path = join(runDir, 'skipped.txt');
  writeFileAtomic(path, skipped.toText() + '\n');
  log(`twinml train: skipped ${skipped.count} unreadable sample(s); listed in ${path}`);
}
