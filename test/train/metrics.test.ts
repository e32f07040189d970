import { describe, expect, it } from 'vitest';
import { addConfusion, balancedAccuracy, classificationMetrics, confusionMatrix, macroF1 } from '../../src/train/metrics/index.js';

describe('imbalance-aware metrics', () => {
  // y_true = [0,0,0,0,1,1,2,2,2,2], y_pred = [0,0,1,0,1,0,2,2,0,2]
  const yTrue = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2];
  const yPred = [0, 0, 1, 0, 1, 0, 2, 2, 0, 2];

  it('builds the confusion matrix with rows = truth', () => {
    expect(confusionMatrix(yTrue, yPred, 3)).toEqual([
      [3, 1, 0],
      [1, 1, 0],
      [1, 0, 3],
    ]);
    expect(() => confusionMatrix([0], [3], 3)).toThrow('sample 0 has true 0 / predicted 3, outside 0..2');
    const twice = addConfusion(confusionMatrix(yTrue, yPred, 3), confusionMatrix(yTrue, yPred, 3));
    expect(twice[0]).toEqual([6, 2, 0]);
  });

  it('computes per-class precision/recall/F1, balanced accuracy and macro F1 by hand', () => {
    const m = classificationMetrics(confusionMatrix(yTrue, yPred, 3));
    // precision: 3/5, 1/2, 3/3 ; recall: 3/4, 1/2, 3/4
    expect(m.precision).toEqual([3 / 5, 1 / 2, 1]);
    expect(m.recall).toEqual([3 / 4, 1 / 2, 3 / 4]);
    const f1 = [2 * 0.6 * 0.75 / 1.35, 0.5, 2 * 0.75 / 1.75];
    m.f1.forEach((v, i) => expect(v).toBeCloseTo(f1[i]!, 12));
    expect(m.support).toEqual([4, 2, 4]);
    expect(m.accuracy).toBe(0.7);
    expect(m.balancedAccuracy).toBeCloseTo((0.75 + 0.5 + 0.75) / 3, 12);
    expect(m.macroF1).toBeCloseTo((f1[0]! + f1[1]! + f1[2]!) / 3, 12);
  });

  it('exposes the always-majority classifier: 90% accuracy, 0.5 balanced accuracy', () => {
    const truth = [...new Array(90).fill(0), ...new Array(10).fill(1)];
    const m = confusionMatrix(truth, new Array(100).fill(0), 2);
    expect(classificationMetrics(m).accuracy).toBe(0.9);
    expect(balancedAccuracy(m)).toBe(0.5);
    // F1 class 0 = 2*0.9*1/1.9, class 1 = 0 (zero_division=0)
    expect(macroF1(m)).toBeCloseTo((2 * 0.9) / 1.9 / 2, 12);
  });

  it('ignores classes absent from truth (balanced accuracy) and from truth and predictions (macro F1)', () => {
    const m = confusionMatrix([0, 0, 1], [0, 1, 1], 3);
    expect(balancedAccuracy(m)).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(macroF1(m)).toBeCloseTo((2 / 3 + 2 / 3) / 2, 12);
  });
});
