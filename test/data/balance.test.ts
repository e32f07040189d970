import { describe, expect, it } from 'vitest';
import { balancedOrder, classWeights, countClasses, formatClassHistogram, imbalanceWarning, parseBalanceMode, reportClassBalance } from '../../src/data/balance.js';

// 10 of class 0, 3 of class 1, 1 of class 2
const labels = Int32Array.from([0, 1, 0, 0, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0]);

describe('class balancing', () => {
  it('oversampling gives every class the majority count and covers every sample', () => {
    const order = balancedOrder(labels, 3, 'oversample', 1, 0);
    expect(countClasses(Array.from(order, (i) => labels[i]!), 3)).toEqual([10, 10, 10]);
    expect(new Set(order).size).toBe(14);
    // class 1 (3 samples) to 10: each sample 3 times, plus one extra draw
    const ones = Array.from(order).filter((i) => labels[i] === 1);
    const perSample = [1, 6, 10].map((s) => ones.filter((i) => i === s).length).sort();
    expect(perSample).toEqual([3, 3, 4]);
  });

  it('undersampling cuts every class to the minority count, with a fresh subset per epoch', () => {
    const e0 = balancedOrder(labels, 3, 'undersample', 1, 0);
    expect(countClasses(Array.from(e0, (i) => labels[i]!), 3)).toEqual([1, 1, 1]);
    const zeros = new Set(Array.from({ length: 20 }, (_, e) => Array.from(balancedOrder(labels, 3, 'undersample', 1, e)).find((i) => labels[i] === 0)));
    expect(zeros.size).toBeGreaterThan(3);
  });

  it('depends only on (seed, epoch)', () => {
    expect([...balancedOrder(labels, 3, 'oversample', 5, 3)]).toEqual([...balancedOrder(labels, 3, 'oversample', 5, 3)]);
    expect([...balancedOrder(labels, 3, 'oversample', 5, 3)]).not.toEqual([...balancedOrder(labels, 3, 'oversample', 5, 4)]);
    const none = balancedOrder(labels, 3, 'none', 5, 0);
    expect([...none].sort((a, b) => a - b)).toEqual(Array.from({ length: 14 }, (_, i) => i));
  });

  it('class weights are n / (k * n_c)', () => {
    expect(classWeights([10, 3, 1])).toEqual([14 / 30, 14 / 9, 14 / 3]);
    expect(classWeights([4, 0, 4])).toEqual([1, 0, 1]);
    expect(() => parseBalanceMode('smote')).toThrow('balance: "smote" is not one of none, oversample, undersample, weights');
  });

  it('warns above 3:1 only when balancing is off, and prints the histogram', () => {
    expect(imbalanceWarning([9, 3], ['a', 'b'], 'none')).toBeNull(); // exactly 3:1
    const w = imbalanceWarning([900, 100], ['not-0', '0'], 'none');
    expect(w).toMatch(/class imbalance 9\.0:1 \("not-0" 900 vs "0" 100\)/);
    expect(w).toMatch(/90\.0% accuracy/);
    expect(imbalanceWarning([900, 100], ['not-0', '0'], 'oversample')).toBeNull();
    const lines: string[] = [];
    expect(reportClassBalance([900, 100], ['not-0', '0'], 'none', (l) => lines.push(l))).toBe(w);
    expect(lines).toEqual([...formatClassHistogram([900, 100], ['not-0', '0']), w]);
    expect(lines[1]).toMatch(/not-0\s+900\s+90\.0%\s+#{30}$/);
    expect(lines[2]).toMatch(/0\s+100\s+10\.0%\s+#{3}$/);
  });
});
