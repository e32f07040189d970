// Mirrors python/twinml_ref/models/cnn.py: CNN
/**
 * CNN: per width in `channels` a block Conv2d(3x3, padding 1) [+ BatchNorm2d] + ReLU + MaxPool2d(2) in the
 * Sequential `features`, then Flatten [+ Dropout] + Linear in the Sequential `classifier` (state_dict keys
 * features.0.weight, ..., classifier.1.weight). Input and output are PyTorch's NCHW / [N, classes].
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/sequential.js';
import { Conv2d } from '../../nn/conv.js';
import { BatchNorm2d } from '../../nn/batchnorm.js';
import { ReLU } from '../../nn/activation.js';
import { MaxPool2d } from '../../nn/pooling.js';
import { Flatten } from '../../nn/flatten.js';
import { Dropout } from '../../nn/dropout.js';
import { Linear } from '../../nn/linear.js';
import type { CNNConfig } from './config.js';

export class CNN extends Module {
  features: Sequential;
  classifier: Sequential;

  constructor(readonly config: CNNConfig) {
    super();
    const layers: Module[] = [];
    let c = config.inChannels;
    let [h, w] = config.imageSize;
    for (const width of config.channels) {
      layers.push(new Conv2d(c, width, 3, { padding: 1, bias: !config.batchNorm }));
      if (config.batchNorm) layers.push(new BatchNorm2d(width));
      layers.push(new ReLU(), new MaxPool2d(2));
      c = width;
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    if (h < 1 || w < 1) throw new Error(`model cnn: image ${config.imageSize.join('x')} is too small for ${config.channels.length} 2x2 poolings`);
    this.features = new Sequential(...layers);
    const head: Module[] = [new Flatten()];
    if (config.dropout > 0) head.push(new Dropout(config.dropout));
    head.push(new Linear(c * h * w, config.numClasses));
    this.classifier = new Sequential(...head);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.classifier.call(this.features.call(x));
  }
}
