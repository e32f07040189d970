import type { ZooModel } from '../zoo-model.js';
import { GPT_DEFAULTS, resolveGPTConfig, type GPTConfig } from './config.js';
import { GPT, type GPTCacheOutput, type LayerCache } from './model.js';

export { GPT, GPT_DEFAULTS, resolveGPTConfig, type GPTConfig, type GPTCacheOutput, type LayerCache };
export { generateTokens, type GenerateOptions } from './generate.js';

/**
 * The zoo entry: a language model. Its "samples" are `block_size` tokens and its "classes" the vocabulary, so
 * `resolveConfig(overrides, { sampleShape: [block_size], numClasses: vocab_size })` sizes it for a tokenizer.
 */
export const gpt: ZooModel<GPTConfig> = {
  name: 'gpt',
  description: 'character-level GPT (nanoGPT shape): 4 layers, 4 heads, width 128, 64-token context by default',
  pythonOriginal: 'python/twinml_ref/models/gpt.py',
  defaultConfig: GPT_DEFAULTS,
  trainingDefaults: { optimizer: 'adamw', lr: 1e-3, batchSize: 32, epochs: 1, momentum: 0, weightDecay: 0.1 },
  head: 'softmax',
  task: 'language-model',
  resolveConfig(overrides, data) {
    const blockSize = data.sampleShape.length === 1 ? data.sampleShape[0] : undefined;
    return resolveGPTConfig({ ...overrides, ...(blockSize !== undefined ? { block_size: blockSize } : {}), vocab_size: data.numClasses });
  },
  create: (config) => new GPT(config),
};
