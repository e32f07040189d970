/**
 * Mirrors examples/mnist-net/net.py: the MNIST `Net` of pytorch/examples, line by line.
 * Input [N, 1, 28, 28] (NCHW, like the original); output log-probabilities [N, 10].
 * (A project that installed twinml writes `import { nn, F, flatten } from 'twinml'`; this example lives inside
 * the repository and imports the sources, so its tests run against the code they check.)
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/nn/functional/index.js';
import { flatten } from '../../src/nn/tensor-helpers.js';

export class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, { stride: 1 });
  conv2 = new nn.Conv2d(32, 64, 3, { stride: 1 });
  dropout1 = new nn.Dropout(0.25);
  dropout2 = new nn.Dropout(0.5);
  fc1 = new nn.Linear(9216, 128);
  fc2 = new nn.Linear(128, 10);

  forward(input: tf.Tensor): tf.Tensor {
    let x = this.conv1.call(input);
    x = F.relu(x);
    x = this.conv2.call(x);
    x = F.relu(x);
    x = F.max_pool2d(x, 2);
    x = this.dropout1.call(x);
    x = flatten(x, 1);
    x = this.fc1.call(x);
    x = F.relu(x);
    x = this.dropout2.call(x);
    x = this.fc2.call(x);
    const output = F.log_softmax(x, 1);
    return output;
  }
}
