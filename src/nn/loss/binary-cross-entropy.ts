/**
 * Mirrors torch.nn.functional.binary_cross_entropy / torch.nn.BCELoss(weight=None, reduction='mean') on
 * probabilities, and torch.nn.functional.binary_cross_entropy_with_logits / torch.nn.BCEWithLogitsLoss(weight=None,
 * reduction='mean', pos_weight=None) on logits, the latter in PyTorch's stable form (never from clipped
 * probabilities): loss = (1 - y)·x + (1 + (pos_weight - 1)·y)·(log1p(exp(-|x|)) + max(-x, 0)), times weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModuleBuffer } from '../parameter.js';
import { Loss } from './loss-module.js';
import { assertSameShape, checkReduction, reduce, weightTensor, type Reduction, type WeightInput } from './reduction.js';

/** Options of {@link binary_cross_entropy} and {@link BCELoss}. */
export interface BCEOptions {
  /** Element weights, broadcast against the input (default none). */
  weight?: WeightInput | null;
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** Options of {@link binary_cross_entropy_with_logits} and {@link BCEWithLogitsLoss}. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** Weight of the positive term, broadcast along the last (class) dimension (default none). */
  posWeight?: WeightInput | null;
}

/** A weight as a tensor that broadcasts against `shape` (plain numbers align with the trailing dimensions). */
function broadcastWeight(weight: WeightInput, shape: number[], what: string, name: string): tf.Tensor {
  const w = weightTensor(weight);
  try {
    tf.broadcastTo(w, shape).dispose();
  } catch {
    throw new Error(`${what}: ${name} [${w.shape.join(', ')}] does not broadcast against the input [${shape.join(', ')}]`);
  }
  return w;
}

/**
 * torch.nn.functional.binary_cross_entropy(input, target, weight=None, reduction='mean'):
 * -w·(y·log(x) + (1 - y)·log(1 - x)), each log clamped at -100 as in torch.
 * @param input - probabilities in [0, 1], any shape
 * @param target - targets in [0, 1], the input's shape
 * @param options - weight, reduction
 */
export function binary_cross_entropy(input: tf.Tensor, target: tf.Tensor, options: BCEOptions = {}): tf.Tensor {
  const what = 'binary_cross_entropy';
  const reduction = checkReduction(options.reduction ?? 'mean', what);
  assertSameShape(input, target, what);
  return tf.tidy(() => {
    const y = tf.cast(target, 'float32');
    const logX = tf.maximum(tf.log(input), -100);
    const log1mX = tf.maximum(tf.log(tf.sub(1, input)), -100);
    let loss: tf.Tensor = tf.neg(tf.add(tf.mul(y, logX), tf.mul(tf.sub(1, y), log1mX)));
    if (options.weight) loss = tf.mul(loss, broadcastWeight(options.weight, input.shape, what, 'weight'));
    return reduce(loss, reduction);
  });
}

/**
 * torch.nn.functional.binary_cross_entropy_with_logits(input, target, weight=None, reduction='mean', pos_weight=None).
 * @param input - logits, any shape
 * @param target - targets in [0, 1], the input's shape
 * @param options - weight, posWeight, reduction
 */
export function binary_cross_entropy_with_logits(input: tf.Tensor, target: tf.Tensor, options: BCEWithLogitsOptions = {}): tf.Tensor {
  const what = 'binary_cross_entropy_with_logits';
  const reduction = checkReduction(options.reduction ?? 'mean', what);
  assertSameShape(input, target, what);
  return tf.tidy(() => {
    const y = tf.cast(target, 'float32');
    // log1p(exp(-|x|)) + max(-x, 0) = -log(sigmoid(x)), stable for large |x|.
    const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(input)))), tf.relu(tf.neg(input)));
    const logWeight = options.posWeight ? tf.add(tf.mul(tf.sub(broadcastWeight(options.posWeight, input.shape, what, 'pos_weight'), 1), y), 1) : null;
    let loss: tf.Tensor = tf.add(tf.mul(tf.sub(1, y), input), logWeight ? tf.mul(logWeight, softplusNeg) : softplusNeg);
    if (options.weight) loss = tf.mul(loss, broadcastWeight(options.weight, input.shape, what, 'weight'));
    return reduce(loss, reduction);
  });
}

/** torch.nn.BCELoss: {@link binary_cross_entropy} as a module (`weight`, when given, is a buffer). */
export class BCELoss extends Loss {
  /** The element-weight buffer, or null. */
  weight: ModuleBuffer | null;

  /** @param options - weight, reduction ('mean') */
  constructor(options: BCEOptions = {}) {
    super(checkReduction(options.reduction ?? 'mean', 'BCELoss'));
    this.weight = options.weight ? new ModuleBuffer(weightTensor(options.weight)) : null;
  }

  /**
   * The loss (see the class description).
   * @param input - probabilities in [0, 1]
   * @param target - targets in [0, 1], the same shape
   */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return binary_cross_entropy(input, target, { weight: this.weight?.value ?? null, reduction: this.reduction });
  }
}

/** torch.nn.BCEWithLogitsLoss: {@link binary_cross_entropy_with_logits} as a module (weight and pos_weight are buffers). */
export class BCEWithLogitsLoss extends Loss {
  /** The element-weight buffer, or null. */
  weight: ModuleBuffer | null;
  /** The positive-class weight buffer, or null. */
  pos_weight: ModuleBuffer | null;

  /** @param options - weight, posWeight, reduction ('mean') */
  constructor(options: BCEWithLogitsOptions = {}) {
    super(checkReduction(options.reduction ?? 'mean', 'BCEWithLogitsLoss'));
    this.weight = options.weight ? new ModuleBuffer(weightTensor(options.weight)) : null;
    this.pos_weight = options.posWeight ? new ModuleBuffer(weightTensor(options.posWeight)) : null;
  }

  /**
   * The loss (see the class description).
   * @param input - logits, any shape
   * @param target - targets in [0, 1], the same shape
   */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return binary_cross_entropy_with_logits(input, target, { weight: this.weight?.value ?? null, posWeight: this.pos_weight?.value ?? null, reduction: this.reduction });
  }
}
