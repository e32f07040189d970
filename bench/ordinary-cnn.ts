/**
 * The zoo CNN's architecture written the ordinary ways a user would write it, for the bench rows that check the
 * framework's speed serves every model (not just the zoo's): a `Sequential` of Conv2d, ReLU, MaxPool2d, ...,
 * Flatten, Linear, and a functional model whose forward calls `F.relu` and `F.max_pool2d` (PyTorch's tutorial style).
 * Both compute what python/twinml_ref/models/cnn.py's CNN() computes (channels 16, 32, 64 on 1x28x28, 10 classes).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from '../dist/nn/module.js';
import { Sequential } from '../dist/nn/sequential.js';
import { Conv2d } from '../dist/nn/conv.js';
import { ReLU } from '../dist/nn/activation.js';
import { MaxPool2d } from '../dist/nn/pooling.js';
import { Flatten } from '../dist/nn/flatten.js';
import { Linear } from '../dist/nn/linear.js';
import { max_pool2d, relu } from '../dist/nn/functional/layers.js';

/** Sequential(Conv2d, ReLU, MaxPool2d) x 3, Flatten, Linear: the zoo CNN without its two-Sequential split. */
export function sequentialCNN(): Sequential {
  return new Sequential(
    new Conv2d(1, 16, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(16, 32, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1 }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(64 * 3 * 3, 10),
  );
}

/** Conv2d modules and a Linear, composed in forward with F.relu and F.max_pool2d. */
export class FunctionalCNN extends Module {
  conv1 = new Conv2d(1, 16, 3, { padding: 1 });
  conv2 = new Conv2d(16, 32, 3, { padding: 1 });
  conv3 = new Conv2d(32, 64, 3, { padding: 1 });
  fc = new Linear(64 * 3 * 3, 10);
  flatten = new Flatten();

  forward(x: tf.Tensor): tf.Tensor {
    x = max_pool2d(relu(this.conv1.call(x)), 2);
    x = max_pool2d(relu(this.conv2.call(x)), 2);
    x = max_pool2d(relu(this.conv3.call(x)), 2);
    return this.fc.call(this.flatten.call(x));
  }
}
