import type { ZooModel } from '../zoo-model.js';
import { ADALINE_DEFAULTS, type AdalineConfig } from './config.js';
import { Adaline } from './model.js';

export { Adaline, type AdalineConfig };

export const adaline: ZooModel<AdalineConfig> = {
  name: 'adaline',
  description: "Widrow's Adaline: one linear unit trained by least mean squares on a binary task",
  pythonOriginal: 'python/twinml_ref/models/adaline.py',
  defaultConfig: ADALINE_DEFAULTS,
  trainingDefaults: { optimizer: 'sgd', lr: 1e-3, batchSize: 64, epochs: 10, momentum: 0, weightDecay: 0 },
  head: 'sign',
  resolveConfig(overrides, data) {
    if (data.numClasses !== 2) {
      throw new Error(`model adaline is a binary classifier, but the dataset has ${data.numClasses} classes; use --dataset mnist-binary:<a>,<b> or mnist-binary:<a>`);
    }
    const inFeatures = data.sampleShape.reduce((a, b) => a * b, 1);
    const config = { ...ADALINE_DEFAULTS, ...overrides, inFeatures };
    return config;
  },
  create: (config) => new Adaline(config),
};
