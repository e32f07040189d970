/**
 * A test-only image model using every vision module of src/nn with awkward geometry (odd sizes, stride 2 with
 * padding, dilation with groups, ceil_mode, count_include_pad=False, divisor_override, uneven adaptive windows).
 * Mirrored in parity-tests/onnx/custom_models.py: VisionNet.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Flatten, Linear, Module, Sequential } from '../../src/nn/index.js';
import { Conv2d } from '../../src/nn/conv.js';
import { BatchNorm2d } from '../../src/nn/batchnorm.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../src/nn/pooling.js';
import { Dropout2d } from '../../src/nn/dropout2d.js';
import { GELU, LeakyReLU } from '../../src/nn/activation-extra.js';
import { LogSoftmax, Softmax } from '../../src/nn/softmax.js';

export const VISION_SAMPLE = [3, 11, 10];

export class VisionNet extends Module {
  features = new Sequential(
    new Conv2d(3, 8, 3, { stride: 2, padding: 1 }),
    new BatchNorm2d(8),
    new LeakyReLU(0.1),
    new Conv2d(8, 8, 3, { padding: 2, dilation: 2, groups: 4 }),
    new GELU('tanh'),
    new MaxPool2d(2, { ceilMode: true }),
    new Dropout2d(0.25),
    new AvgPool2d(2, { stride: 1, padding: 1, ceilMode: true }),
    new Conv2d(8, 6, 1, { bias: false }),
    new BatchNorm2d(6, { affine: false, eps: 1e-3 }),
    new GELU(),
  );
  uneven: AdaptiveAvgPool2d;
  gap = new AdaptiveAvgPool2d(1);
  exclusive = new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false });
  override: AvgPool2d;
  flatten = new Flatten();
  head: Linear;
  logSoftmax = new LogSoftmax(1);
  softmax = new Softmax(-1);

  /**
   * @param adaptive - output size of the adaptive pool on the 4x4 features ([3, 2]: uneven windows)
   * @param divisorOverride - divisor_override of the last AvgPool2d(2) (null: PyTorch's default)
   */
  constructor(adaptive: [number, number] = [3, 2], divisorOverride: number | null = 3) {
    super();
    this.uneven = new AdaptiveAvgPool2d(adaptive);
    this.override = new AvgPool2d(2, { divisorOverride });
    this.head = new Linear(6 * adaptive[0] * adaptive[1] + 6 + 24 + 24, 5);
  }

  forward(x: tf.Tensor): tf.Tensor {
    const f = this.features.call(x);
    const parts = [this.uneven.call(f), this.gap.call(f), this.exclusive.call(f), this.override.call(f)].map((t) => this.flatten.call(t));
    const z = this.head.call(tf.concat(parts, 1));
    return tf.concat([this.logSoftmax.call(z), this.softmax.call(z)], 1);
  }
}

/** Gives every BatchNorm2d non-trivial running statistics (seeded), as after training. */
export function randomizeRunningStats(model: Module, seed: number): void {
  const state = model.stateDict();
  let k = 0;
  for (const [key, value] of state) {
    if (!key.endsWith('running_mean') && !key.endsWith('running_var')) continue;
    const t = tf.tidy(() => {
      const r = tf.randomUniform(value.shape, 0.2, 1.5, 'float32', seed + k++);
      return key.endsWith('running_var') ? r : tf.sub(r, 0.8);
    });
    (value.data as Float32Array).set(t.dataSync() as Float32Array);
    t.dispose();
  }
  model.loadStateDict(state);
}
