import type { ZooModel } from '../zoo-model.js';
import { CNN_DEFAULTS, type CNNConfig } from './config.js';
import { CNN } from './model.js';

export { CNN, type CNNConfig };

export const cnn: ZooModel<CNNConfig> = {
  name: 'cnn',
  description: 'three Conv2d(3x3)+ReLU+MaxPool2d(2) blocks (16, 32, 64 channels by default) and a Linear head',
  pythonOriginal: 'python/twinml_ref/models/cnn.py',
  defaultConfig: CNN_DEFAULTS,
  trainingDefaults: { optimizer: 'adam', lr: 1e-3, batchSize: 64, epochs: 5, momentum: 0, weightDecay: 0 },
  head: 'softmax',
  resolveConfig(overrides, data) {
    const [inChannels, height, width] = data.sampleShape;
    if (data.sampleShape.length !== 3 || !inChannels || !height || !width) {
      throw new Error(`model cnn: needs image samples [C, H, W], got sample shape [${data.sampleShape.join(', ')}]`);
    }
    const config: CNNConfig = { ...CNN_DEFAULTS, ...overrides, inChannels, imageSize: [height, width], numClasses: data.numClasses };
    if (!Array.isArray(config.channels) || config.channels.length === 0 || config.channels.some((c) => !Number.isInteger(c) || c < 1)) {
      throw new Error(`model cnn: channels must be a non-empty list of positive integers, got ${JSON.stringify(config.channels)}`);
    }
    if (typeof config.batchNorm !== 'boolean') throw new Error(`model cnn: batchNorm must be true or false, got ${JSON.stringify(config.batchNorm)}`);
    if (!(config.dropout >= 0 && config.dropout < 1)) throw new Error(`model cnn: dropout must be in [0, 1), got ${config.dropout}`);
    const pooled = config.channels.reduce((s) => Math.floor(s / 2), Math.min(height, width));
    if (pooled < 1) throw new Error(`model cnn: a ${height}x${width} input is too small for ${config.channels.length} 2x2 poolings`);
    return config;
  },
  create: (config) => new CNN(config),
};
