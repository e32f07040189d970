/**
 * The product behind nn.Linear and F.linear on PyTorch's [out, in] weight: activation(x · Wᵀ + b) over the last
 * dimension of any-rank input. The kernel (and whether bias and ReLU fuse into it) is chosen in src/backend
 * (linear-product.ts); the weight is read in place, never copied to another layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { linearProduct } from '../backend/linear-product.js';
import { fusedLinear } from '../backend/fused-linear.js';
import type { FusedActivation } from '../backend/conv2d-nhwc.js';

/** Activations a Linear can apply in the same kernel. */
export type LinearActivation = FusedActivation;

/**
 * activation(input · weightᵀ + bias).
 * @param what - the caller's name for error messages
 * @param input - [..., in]
 * @param weight - [out, in]
 * @param bias - [out] or null
 * @param activation - 'linear' or 'relu'
 */
export function linearWithActivation(what: string, input: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null, activation: LinearActivation): tf.Tensor {
  if (weight.rank !== 2) throw new Error(`${what}: weight must be [out, in], got [${weight.shape.join(', ')}]`);
  const [out, inFeatures] = weight.shape as [number, number];
  if (input.rank < 1 || input.shape[input.rank - 1] !== inFeatures) {
    throw new Error(`${what}: expected input with last dimension ${inFeatures} (weight [${weight.shape.join(', ')}]), got shape [${input.shape.join(', ')}]`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== out)) throw new Error(`${what}: bias must be [${out}], got [${bias.shape.join(', ')}]`);
  if (activation === 'linear' && input.rank >= 2) {
    // One kernel for any rank where the backend registers TwinmlLinear (torch).
    const fused = fusedLinear(input, weight, bias);
    if (fused) return fused;
  }
  return tf.tidy(() => {
    const flat = (input.rank === 2 ? input : tf.reshape(input, [-1, inFeatures])) as tf.Tensor2D;
    const y = linearProduct(flat, weight as tf.Tensor2D, bias as tf.Tensor1D | null, activation);
    return input.rank === 2 ? y : tf.reshape(y, [...input.shape.slice(0, -1), out]);
  });
}
