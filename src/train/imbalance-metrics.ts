/**
 * A Trainer callback that adds the metrics exposing class imbalance to every epoch row: val_balanced_accuracy
 * and val_macro_f1 (from the validation predictions), and keeps the last epoch's confusion matrix and per-class
 * precision/recall/F1 for the final report. Register it before the callbacks that record metrics.
 */
import type { TrainerCallbacks } from './trainer.js';
import { classificationMetrics, confusionMatrix, type ClassificationMetrics, type ConfusionMatrix } from './metrics/index.js';

export interface ConfusionReport extends ClassificationMetrics {
  epoch: number;
  classes: string[];
  /** Rows = true class, columns = predicted class. */
  matrix: ConfusionMatrix;
}

/**
 * @param classes - class names (index = label)
 * @param onFinal - receives the last epoch's report when training ends
 */
export function imbalanceMetrics(classes: string[], onFinal?: (report: ConfusionReport) => void): TrainerCallbacks & { last(): ConfusionReport | null } {
  let last: ConfusionReport | null = null;
  return {
    last: () => last,
    onEpochEnd: (_trainer, metrics, validation) => {
      if (validation.predictions.length === 0) return; // a TrainingModule with its own loss predicts no classes
      const matrix = confusionMatrix(validation.labels, validation.predictions, classes.length);
      const m = classificationMetrics(matrix);
      metrics.val_balanced_accuracy = m.balancedAccuracy;
      metrics.val_macro_f1 = m.macroF1;
      last = { epoch: metrics.epoch, classes, matrix, ...m };
    },
    onTrainEnd: () => {
      if (last) onFinal?.(last);
    },
  };
}
