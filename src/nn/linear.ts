/**
 * Mirrors torch.nn.Linear(in_features, out_features, bias=True): weight [out_features, in_features] (stored,
 * exposed and in `.grad` as in PyTorch), bias [out_features]; `forward` is F.linear.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { linear } from './functional/layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { biasBound, kaimingUniformBound, uniform } from './init.js';
import { linearWithActivation, type LinearActivation } from './linear-functional.js';

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
    this.weight = new Parameter(uniform(torchShape, kaimingUniformBound(torchShape)));
    this.bias = options.bias === false ? null : new Parameter(uniform([outFeatures], biasBound(torchShape)));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight.variable, this.bias?.variable ?? null);
  }

  /**
   * activation(forward(x)): with 'relu', what this layer followed by a ReLU module computes, as one kernel where
   * the backend fuses them (`Sequential` uses it for a Linear directly followed by a ReLU).
   * @param x - [..., in_features]
   * @param activation - 'linear' (none) or 'relu'
   */
  forwardFused(x: tf.Tensor, activation: LinearActivation): tf.Tensor {
    return linearWithActivation('Linear', x, this.weight.variable, this.bias?.variable ?? null, activation);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? 'True' : 'False'}`;
  }
}
