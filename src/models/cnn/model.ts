// Mirrors python/twinml_ref/models/cnn.py: CNN
/**
 * CNN: per width in `channels` a block Conv2d(3x3, padding 1) [+ BatchNorm2d] + ReLU + MaxPool2d(2) in the
 * Sequential `features`, then Flatten [+ Dropout] + Linear in the Sequential `classifier` (state_dict keys
 * features.0.weight, ..., classifier.1.weight). Input and output are PyTorch's NCHW / [N, classes].
 * In training mode the feature blocks run channels-last (NHWC), converted once on the way in and once before
 * Flatten (so Flatten sees C,H,W order as in PyTorch), which saves two transposes per block and layer. In eval
 * mode every submodule runs through `call()` on NCHW tensors, so forward hooks, the ONNX tracer and parity
 * localisation see each layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/sequential.js';
import { Conv2d } from '../../nn/conv.js';
import { BatchNorm2d } from '../../nn/batchnorm.js';
import { ReLU } from '../../nn/activation.js';
import { MaxPool2d } from '../../nn/pooling.js';
import { Flatten } from '../../nn/flatten.js';
import { Dropout } from '../../nn/dropout.js';
import { Linear } from '../../nn/linear.js';
import { toNCHW, toNHWC } from '../../nn/layout.js';
import type { CNNConfig } from './config.js';

/** A feature module that can run on channels-last tensors. */
interface ChannelsLast {
  forwardNHWC(x: tf.Tensor4D): tf.Tensor4D;
}

function runsChannelsLast(m: Module): m is Module & ChannelsLast {
  return typeof (m as Partial<ChannelsLast>).forwardNHWC === 'function';
}

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

  /**
   * The feature blocks on NHWC (elementwise modules like ReLU are layout-free); a Conv2d directly followed by
   * a ReLU runs as one fused convolution + bias + ReLU.
   */
  private featuresNHWC(x: tf.Tensor4D): tf.Tensor4D {
    let out = x;
    const layers = [...this.features.children()];
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i]!;
      let next: tf.Tensor4D;
      if (m instanceof Conv2d && layers[i + 1] instanceof ReLU) {
        next = m.forwardNHWC(out, 'relu');
        i++;
      } else {
        next = runsChannelsLast(m) ? m.forwardNHWC(out) : (m.forward(out) as tf.Tensor4D);
      }
      if (out !== x) out.dispose();
      out = next;
    }
    return out;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.config.inChannels) {
      throw new Error(`CNN: expected input [N, ${this.config.inChannels}, H, W], got [${x.shape.join(', ')}]`);
    }
    if (!this.training) return tf.tidy(() => this.classifier.call(this.features.call(x)));
    return tf.tidy(() => this.classifier.call(toNCHW(this.featuresNHWC(toNHWC(x)))));
  }
}
