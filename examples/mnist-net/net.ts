/**
 * Mirrors examples/mnist-net/net.py: the MNIST `Net` of pytorch/examples, line by line.
 * Input [N, 1, 28, 28] (NCHW, like the original); output log-probabilities [N, 10].
 */
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d, Dropout, Linear, Module, toNCHW, toNHWC } from '../../src/nn/index.js';

/** F.max_pool2d(x, k) on an NCHW tensor (until twinml's F.max_pool2d: tfjs pools NHWC). */
function maxPool2d(x: tf.Tensor, k: number): tf.Tensor {
  return toNCHW(tf.maxPool(toNHWC(x) as tf.Tensor4D, k, k, 'valid'));
}

/** torch.flatten(x, 1). */
function flatten(x: tf.Tensor): tf.Tensor {
  return tf.reshape(x, [x.shape[0]!, x.size / x.shape[0]!]);
}

export class Net extends Module {
  conv1 = new Conv2d(1, 32, 3, { stride: 1 });
  conv2 = new Conv2d(32, 64, 3, { stride: 1 });
  dropout1 = new Dropout(0.25);
  dropout2 = new Dropout(0.5);
  fc1 = new Linear(9216, 128);
  fc2 = new Linear(128, 10);

  forward(input: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let x = this.conv1.call(input);
      x = tf.relu(x);
      x = this.conv2.call(x);
      x = tf.relu(x);
      x = maxPool2d(x, 2);
      x = this.dropout1.call(x);
      x = flatten(x);
      x = this.fc1.call(x);
      x = tf.relu(x);
      x = this.dropout2.call(x);
      x = this.fc2.call(x);
      return tf.logSoftmax(x, 1);
    });
  }
}
