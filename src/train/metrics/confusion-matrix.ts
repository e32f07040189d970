/**
 * Confusion matrix, as scikit-learn's confusion_matrix(y_true, y_pred, labels=range(numClasses)):
 * matrix[t][p] = number of samples of true class t predicted as p (rows = truth, columns = prediction).
 */
export type ConfusionMatrix = number[][];

/**
 * @param yTrue - true class per sample
 * @param yPred - predicted class per sample
 * @param numClasses - number of classes (labels outside 0..numClasses-1 are an error)
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): ConfusionMatrix {
  if (yTrue.length !== yPred.length) throw new Error(`confusionMatrix: ${yTrue.length} true labels but ${yPred.length} predictions`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) {
      throw new Error(`confusionMatrix: sample ${i} has true ${t} / predicted ${p}, outside 0..${numClasses - 1}`);
    }
    m[t]![p]! += 1;
  }
  return m;
}

/** Adds `b` into `a` (accumulating over batches) and returns `a`. */
export function addConfusion(a: ConfusionMatrix, b: ConfusionMatrix): ConfusionMatrix {
  a.forEach((row, i) => row.forEach((_, j) => (row[j]! += b[i]![j]!)));
  return a;
}
