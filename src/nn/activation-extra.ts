/** Mirrors torch.nn.LeakyReLU and GELU (approximate='none' with erf, or 'tanh'). */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}

export type GELUApproximate = 'none' | 'tanh';

export class GELU extends Module {
  constructor(readonly approximate: GELUApproximate = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got '${approximate as string}'`);
  }

  /** 'none': x/2 (1 + erf(x/sqrt 2)); 'tanh': x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const inner =
        this.approximate === 'none'
          ? tf.erf(tf.mul(x, Math.SQRT1_2))
          : tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI)));
      return tf.mul(tf.mul(x, 0.5), tf.add(inner, 1));
    });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}
