/**
 * twinml/inference: ONNX models in Node on onnxruntime-node, without the training stack (no tfjs).
 *
 * ```ts
 * import { loadModel } from 'twinml/inference';
 * const model = await loadModel('models/mnist-mlp/1');
 * const out = await model.predict(new Float32Array(784));
 * ```
 */
export { loadModel } from './model.js';
export { topClasses, softmax } from './classification.js';
export { InputError, formatSpecShape } from './tensor-input.js';
export { readModelCard } from './model-source.js';
export { imageToTensor, scaleAndNormalize, decodeImage } from './preprocessing.js';
export type { ModelCard, Preprocessing } from '../util/model-card.js';
export type * from './types.js';
