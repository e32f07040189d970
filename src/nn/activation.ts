/** Mirrors torch.nn.ReLU, Sigmoid and Tanh. */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { relu } from './functional/layers.js';

export class ReLU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return relu(x);
  }
}

export class Sigmoid extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tanh(x);
  }
}
