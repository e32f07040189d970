/** Mirrors torch.nn.LeakyReLU and GELU (approximate='none' with erf, or 'tanh'). */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { pyFloat } from './python-repr.js';
import { gelu, leaky_relu } from './functional/activations.js';

/** torch.nn.LeakyReLU(negative_slope=0.01): see F.leaky_relu. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return leaky_relu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/** GELU's `approximate` argument. */
export type GELUApproximate = 'none' | 'tanh';

/** torch.nn.GELU(approximate='none'): see F.gelu. */
export class GELU extends Module {
  constructor(readonly approximate: GELUApproximate = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got '${approximate as string}'`);
  }

  /** 'none': x/2 (1 + erf(x/sqrt 2)); 'tanh': x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). See F.gelu. */
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}
