/**
 * Mirrors torch.nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True) and
 * torch.nn.RMSNorm(normalized_shape, eps=None, elementwise_affine=True): weight ones, bias zeros, state_dict keys
 * `weight` and `bias`; forward is F.layer_norm / F.rms_norm over the trailing dimensions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { pyBool, pyFloat } from './python-repr.js';
import { layer_norm, rms_norm } from './functional/normalization.js';

/** Options of {@link LayerNorm} (torch's keyword arguments). */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learnable weight (and bias) of shape normalized_shape (default true). */
  elementwiseAffine?: boolean;
  /** Learnable bias when elementwise_affine (default true). */
  bias?: boolean;
}

/** Options of {@link RMSNorm} (torch's keyword arguments). */
export interface RMSNormOptions {
  /** Added to the mean square (default null: torch.finfo(float32).eps). */
  eps?: number | null;
  /** Learnable weight of shape normalized_shape (default true). */
  elementwiseAffine?: boolean;
}

function checkShape(normalizedShape: number | number[], what: string): number[] {
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${what}: normalized_shape must be a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
  }
  return shape;
}

/** Python's repr of a shape tuple: (8,) or (4, 8). */
function pyTuple(shape: number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** torch.nn.LayerNorm: normalises over the trailing `normalized_shape` dimensions. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  /**
   * @param normalizedShape - the trailing shape (a number means [n])
   * @param options - eps, elementwise_affine, bias
   */
  constructor(normalizedShape: number | number[], options: LayerNormOptions = {}) {
    super();
    this.normalizedShape = checkShape(normalizedShape, 'LayerNorm');
    this.eps = options.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new Error(`LayerNorm: eps must be >= 0, got ${this.eps}`);
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(tf.ones(this.normalizedShape)) : null;
    this.bias = this.elementwiseAffine && options.bias !== false ? new Parameter(tf.zeros(this.normalizedShape)) : null;
  }

  /** @param x - [..., *normalized_shape] */
  forward(x: tf.Tensor): tf.Tensor {
    return layer_norm(x, this.normalizedShape, this.weight?.variable ?? null, this.bias?.variable ?? null, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** torch.nn.RMSNorm: x / sqrt(mean(x²) + eps) · weight over the trailing `normalized_shape` dimensions. */
export class RMSNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;

  /**
   * @param normalizedShape - the trailing shape (a number means [n])
   * @param options - eps, elementwise_affine
   */
  constructor(normalizedShape: number | number[], options: RMSNormOptions = {}) {
    super();
    this.normalizedShape = checkShape(normalizedShape, 'RMSNorm');
    this.eps = options.eps ?? null;
    if (this.eps !== null && !(this.eps >= 0)) throw new Error(`RMSNorm: eps must be >= 0 or null, got ${this.eps}`);
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(tf.ones(this.normalizedShape)) : null;
  }

  /** @param x - [..., *normalized_shape] */
  forward(x: tf.Tensor): tf.Tensor {
    return rms_norm(x, this.normalizedShape, this.weight?.variable ?? null, this.eps);
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${this.eps === null ? 'None' : pyFloat(this.eps)}, elementwise_affine=${pyBool(this.elementwiseAffine)}`;
  }
}
