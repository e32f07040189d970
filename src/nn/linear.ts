/**
 * Mirrors torch.nn.Linear(in_features, out_features, bias=True).
 * The weight is stored as [in, out] (the fast layout for the wasm matmul) and exposed to state_dicts as
 * PyTorch's [out, in].
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { biasBound, kaimingUniformBound, uniform } from './init.js';
import { canFuseLinear, fusedLinear, type LinearActivation } from './linear-functional.js';

export interface LinearOptions {
  /** Adds a learnable bias (default true). */
  bias?: boolean;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    if (!Number.isInteger(inFeatures) || inFeatures < 1 || !Number.isInteger(outFeatures) || outFeatures < 1) {
      throw new Error(`Linear: in_features and out_features must be positive integers, got ${inFeatures}, ${outFeatures}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const torchShape = [outFeatures, inFeatures];
    // Draw in PyTorch's [out, in] order, then store transposed.
    const w = tf.tidy(() => tf.transpose(uniform(torchShape, kaimingUniformBound(torchShape))));
    this.weight = new Parameter(w);
    this.bias = options.bias === false ? null : new Parameter(uniform([outFeatures], biasBound(torchShape)));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardFused(x, 'linear');
  }

  /**
   * activation(forward(x)): with 'relu', what this layer followed by a ReLU module computes. Where the backend
   * fuses Linear (`canFuseLinear`: wasm), product, bias and activation run as one _FusedMatMul kernel;
   * elsewhere matMul, add and relu.
   * @param x - [..., in_features]
   * @param activation - 'linear' (none) or 'relu'
   */
  forwardFused(x: tf.Tensor, activation: LinearActivation): tf.Tensor {
    return tf.tidy(() => {
      const last = x.shape[x.shape.length - 1];
      if (last !== this.inFeatures) {
        throw new Error(`Linear: expected input with last dimension ${this.inFeatures}, got shape [${x.shape.join(', ')}]`);
      }
      const flat = (x.rank === 2 ? x : tf.reshape(x, [-1, this.inFeatures])) as tf.Tensor2D;
      const weight = this.weight.variable as tf.Tensor2D;
      const bias = this.bias ? (this.bias.variable as tf.Tensor1D) : null;
      let y: tf.Tensor;
      if (canFuseLinear() && (bias !== null || activation !== 'linear')) {
        y = fusedLinear(flat, weight, bias, activation);
      } else {
        y = tf.matMul(flat, weight);
        if (bias) y = tf.add(y, bias);
        if (activation === 'relu') y = tf.relu(y);
      }
      return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  override toTorchLayout(name: string, value: tf.Tensor): tf.Tensor {
    return name === 'weight' ? tf.transpose(value) : value.clone();
  }

  override fromTorchLayout(name: string, value: tf.Tensor): tf.Tensor {
    return name === 'weight' ? tf.transpose(value) : value.clone();
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? 'True' : 'False'}`;
  }
}
