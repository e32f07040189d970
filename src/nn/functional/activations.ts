/** torch.nn.functional activations: gelu, leaky_relu, sigmoid, tanh, softmax, log_softmax. */
import * as tf from '@tensorflow/tfjs-core';
import { fusedGelu } from '../../backend/fused-gelu.js';

/** GELU's two forms, as torch's `approximate` argument. */
export type GeluApproximate = 'none' | 'tanh';

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** 'none' (default): x/2·(1 + erf(x/√2)); 'tanh': x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
  approximate?: GeluApproximate;
}

/**
 * torch.nn.functional.gelu(input, approximate='none').
 * @param input - any shape
 * @param options - the approximation (default 'none', the exact erf form)
 */
export function gelu(input: tf.Tensor, options: GeluOptions = {}): tf.Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`F.gelu: approximate must be 'none' or 'tanh', got '${approximate as string}'`);
  // One kernel (and one for the gradient) where the backend registers the fused GELU (torch: at::gelu).
  const fused = fusedGelu(input, approximate);
  if (fused) return fused;
  return tf.tidy(() => {
    const inner =
      approximate === 'none'
        ? tf.erf(tf.mul(input, Math.SQRT1_2))
        : tf.tanh(tf.mul(tf.add(input, tf.mul(tf.pow(input, 3), 0.044715)), Math.sqrt(2 / Math.PI)));
    return tf.mul(tf.mul(input, 0.5), tf.add(inner, 1));
  });
}

/**
 * torch.nn.functional.leaky_relu(input, negative_slope=0.01): x where x ≥ 0, negative_slope·x elsewhere.
 * @param input - any shape
 * @param negativeSlope - the slope for negative inputs (default 0.01)
 */
export function leaky_relu(input: tf.Tensor, negativeSlope = 0.01): tf.Tensor {
  return tf.leakyRelu(input, negativeSlope);
}

/** torch.nn.functional.sigmoid (= torch.sigmoid): 1 / (1 + exp(-x)). */
export function sigmoid(input: tf.Tensor): tf.Tensor {
  return tf.sigmoid(input);
}

/** torch.nn.functional.tanh (= torch.tanh). */
export function tanh(input: tf.Tensor): tf.Tensor {
  return tf.tanh(input);
}

/** Applies `op` (which works on the last dimension) along `dim`, transposing around it when needed. */
export function alongDim(x: tf.Tensor, dim: number, what: string, op: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const d = dim < 0 ? dim + x.rank : dim;
  if (!Number.isInteger(d) || d < 0 || d >= x.rank) throw new Error(`${what}: dim ${dim} is out of range for an input of rank ${x.rank}`);
  if (d === x.rank - 1) return op(x);
  return tf.tidy(() => {
    const perm = [...Array(x.rank).keys()];
    perm[d] = x.rank - 1;
    perm[x.rank - 1] = d;
    return tf.transpose(op(tf.transpose(x, perm)), perm);
  });
}

/**
 * torch.nn.functional.softmax(input, dim): exp(x) / sum(exp(x)) along `dim`.
 * @param input - any shape
 * @param dim - the dimension that sums to 1 (negative counts from the end); required, as torch recommends
 */
export function softmax(input: tf.Tensor, dim: number): tf.Tensor {
  return alongDim(input, dim, 'F.softmax', (t) => tf.softmax(t));
}

/**
 * torch.nn.functional.log_softmax(input, dim): x - logsumexp(x) along `dim`, computed stably.
 * @param input - any shape
 * @param dim - the dimension to normalise (negative counts from the end)
 */
export function log_softmax(input: tf.Tensor, dim: number): tf.Tensor {
  return alongDim(input, dim, 'F.log_softmax', (t) => tf.logSoftmax(t));
}
