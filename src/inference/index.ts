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
export { tuneHeapForServing } from './server/v8-heap.js';
export { encodeBinaryInferRequest, decodeInferResponse, type BinaryInputTensor, type DecodedOutput } from './server/binary-tensor.js';
export { loadLanguageModel, DECODER_WITH_PAST_FILE, GENERATION_CONFIG_FILE, TOKENIZER_FILE } from './generation.js';
export type { GenerateOptions, GenerationConfig, LanguageModel, LoadLanguageModelOptions } from './generation-types.js';
export { CharTokenizer, type CharTokenizerJSON } from './char-tokenizer.js';
export { SamplingRng, sampleNextToken, argmax, type SamplingOptions } from './sampling.js';
export type { ModelCard, Preprocessing } from '../util/model-card.js';
export type * from './types.js';

import type { RunningServer, ServeOptions } from './server/index.js';
export type { RunningServer, ServeOptions } from './server/index.js';
export type { BatchingOptions, ModelControlMode, IndexEntry } from './server/index.js';

/**
 * Starts the Open Inference Protocol v2 server over a model repository (loaded on first use, so `loadModel`
 * users do not load the HTTP stack).
 * @param options - Repository folder, host/port, token, body limit, batching and session options.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const server = await import('./server/index.js');
  return server.startServer(options);
}
