/**
 * Classification metrics that expose class imbalance, computed from a confusion matrix with scikit-learn's
 * definitions and its zero_division=0 convention:
 *   precision_c = C[c][c] / sum_t C[t][c],  recall_c = C[c][c] / sum_p C[c][p],  F1_c = 2 P R / (P + R)
 *   accuracy          = trace(C) / sum(C)
 *   balanced accuracy = mean recall over classes with at least one true sample (balanced_accuracy_score)
 *   macro F1          = mean F1 over classes that occur in truth or predictions (f1_score(average='macro'))
 */
import type { ConfusionMatrix } from './confusion-matrix.js';

export interface PerClassMetrics {
  precision: number[];
  recall: number[];
  f1: number[];
  /** True samples per class. */
  support: number[];
}

export interface ClassificationMetrics extends PerClassMetrics {
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** @param m - confusion matrix (rows = truth) */
export function perClassMetrics(m: ConfusionMatrix): PerClassMetrics {
  const k = m.length;
  const support = m.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = Array.from({ length: k }, (_, c) => m.reduce((a, row) => a + row[c]!, 0));
  const precision = m.map((row, c) => ratio(row[c]!, predicted[c]!));
  const recall = m.map((row, c) => ratio(row[c]!, support[c]!));
  const f1 = precision.map((p, c) => ratio(2 * p * recall[c]!, p + recall[c]!));
  return { precision, recall, f1, support };
}

/** @param m - confusion matrix (rows = truth) */
export function balancedAccuracy(m: ConfusionMatrix): number {
  const { recall, support } = perClassMetrics(m);
  const present = recall.filter((_, c) => support[c]! > 0);
  return present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : 0;
}

/** @param m - confusion matrix (rows = truth) */
export function macroF1(m: ConfusionMatrix): number {
  const { f1, support } = perClassMetrics(m);
  const used = f1.filter((_, c) => support[c]! > 0 || m.some((row) => row[c]! > 0));
  return used.length > 0 ? used.reduce((a, b) => a + b, 0) / used.length : 0;
}

/** All metrics of a confusion matrix. @param m - confusion matrix (rows = truth) */
export function classificationMetrics(m: ConfusionMatrix): ClassificationMetrics {
  const total = m.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
  const correct = m.reduce((a, row, c) => a + row[c]!, 0);
  return { ...perClassMetrics(m), accuracy: ratio(correct, total), balancedAccuracy: balancedAccuracy(m), macroF1: macroF1(m) };
}
