import type { ZooModel } from '../zoo-model.js';
import { MLP_DEFAULTS, type MLPConfig } from './config.js';
import { MLP } from './model.js';

export { MLP, type MLPConfig };

export const mlp: ZooModel<MLPConfig> = {
  name: 'mlp',
  description: 'multi-layer perceptron, 784 -> 256 -> 128 -> 10 by default (hidden sizes configurable)',
  pythonOriginal: 'python/twinml_ref/models/mlp.py',
  defaultConfig: MLP_DEFAULTS,
  trainingDefaults: { optimizer: 'adam', lr: 1e-3, batchSize: 64, epochs: 10, momentum: 0, weightDecay: 0 },
  head: 'softmax',
  resolveConfig(overrides, data) {
    const config: MLPConfig = {
      ...MLP_DEFAULTS,
      ...overrides,
      inFeatures: data.sampleShape.reduce((a, b) => a * b, 1),
      numClasses: data.numClasses,
    };
    if (!Array.isArray(config.hidden) || config.hidden.length === 0 || config.hidden.some((h) => !Number.isInteger(h) || h < 1)) {
      throw new Error(`model mlp: hidden must be a non-empty list of positive integers, got ${JSON.stringify(config.hidden)}`);
    }
    if (!(config.dropout >= 0 && config.dropout < 1)) throw new Error(`model mlp: dropout must be in [0, 1), got ${config.dropout}`);
    return config;
  },
  create: (config) => new MLP(config),
};
