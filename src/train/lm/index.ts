/** Language-model training (gpt): the loop, its loss, AdamW with nanoGPT's parameter groups, evaluation. */
export { trainLanguageModel, type LanguageModelTrainingOptions, type LanguageModelEvaluation, type LanguageModelTrainingResult } from './trainer.js';
export { languageModelLoss } from './loss.js';
export { languageModelStep, type LanguageModelStepOptions } from './step.js';
export { languageModelAdamW, type LanguageModelAdamWOptions } from './adamw.js';
export { evaluateLoss, evaluationOffsets } from './evaluate.js';
