/** torch.nn.init, drawing from twinml's seeded generator. */
import * as tf from '@tensorflow/tfjs-core';
import { numel } from '../util/host-tensor.js';
import type { Rng } from '../util/rng.js';
import { getDefaultGenerator } from './generator.js';

/** fan_in and fan_out of a weight in PyTorch layout ([out, in, ...kernel]). */
export function calculateFanInAndFanOut(torchShape: number[]): { fanIn: number; fanOut: number } {
  if (torchShape.length < 2) throw new Error(`fan in/out needs at least 2 dimensions, got [${torchShape.join(', ')}]`);
  const receptive = torchShape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: torchShape[1]! * receptive, fanOut: torchShape[0]! * receptive };
}

export function calculateGain(nonlinearity: 'linear' | 'relu' | 'leaky_relu' | 'tanh' | 'sigmoid', param = 0.01): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + param * param));
  }
}

/** Uniform(-bound, bound) values for a tensor of the given (internal) shape. */
export function uniform(shape: number[], bound: number, rng: Rng = getDefaultGenerator()): tf.Tensor {
  const values = new Float32Array(numel(shape));
  rng.fillUniform(values, -bound, bound);
  return tf.tensor(values, shape, 'float32');
}

/**
 * kaiming_uniform_(w, a, mode='fan_in', nonlinearity='leaky_relu') for a weight whose PyTorch shape is `torchShape`.
 * Values are generated in PyTorch order; `internalShape` only reshapes them.
 */
export function kaimingUniformBound(torchShape: number[], a = Math.sqrt(5)): number {
  const { fanIn } = calculateFanInAndFanOut(torchShape);
  const gain = calculateGain('leaky_relu', a);
  return Math.sqrt(3) * (gain / Math.sqrt(fanIn));
}

/** The bias bound PyTorch's Linear/Conv use: 1/sqrt(fan_in) (0 when fan_in is 0). */
export function biasBound(torchWeightShape: number[]): number {
  const { fanIn } = calculateFanInAndFanOut(torchWeightShape);
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}
