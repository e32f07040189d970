export { confusionMatrix, addConfusion, type ConfusionMatrix } from './confusion-matrix.js';
export { perClassMetrics, balancedAccuracy, macroF1, classificationMetrics, type PerClassMetrics, type ClassificationMetrics } from './classification.js';
