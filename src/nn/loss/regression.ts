/**
 * Mirrors torch's regression losses: mse_loss / MSELoss, l1_loss / L1Loss, smooth_l1_loss / SmoothL1Loss(beta=1.0)
 * and huber_loss / HuberLoss(delta=1.0), all with reduction='mean' by default. Input and target have one shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Loss } from './loss-module.js';
import { assertSameShape, checkReduction, reduce, type Reduction } from './reduction.js';

/** Options of the regression losses: torch's `reduction`. */
export interface ReductionOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** Options of {@link smooth_l1_loss} and {@link SmoothL1Loss}. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1.0; 0 gives L1). */
  beta?: number;
}

/** Options of {@link huber_loss} and {@link HuberLoss}. */
export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1.0, must be > 0). */
  delta?: number;
}

function elementwise(what: string, input: tf.Tensor, target: tf.Tensor, reduction: Reduction | undefined, perElement: (d: tf.Tensor) => tf.Tensor): tf.Tensor {
  const r = checkReduction(reduction ?? 'mean', what);
  assertSameShape(input, target, what);
  return tf.tidy(() => reduce(perElement(tf.sub(input, tf.cast(target, 'float32'))), r));
}

/** torch.nn.functional.mse_loss(input, target, reduction='mean'): (x - y)². */
export function mse_loss(input: tf.Tensor, target: tf.Tensor, options: ReductionOptions = {}): tf.Tensor {
  return elementwise('mse_loss', input, target, options.reduction, (d) => tf.square(d));
}

/** torch.nn.functional.l1_loss(input, target, reduction='mean'): |x - y|. */
export function l1_loss(input: tf.Tensor, target: tf.Tensor, options: ReductionOptions = {}): tf.Tensor {
  return elementwise('l1_loss', input, target, options.reduction, (d) => tf.abs(d));
}

/** torch.nn.functional.smooth_l1_loss(input, target, reduction='mean', beta=1.0): 0.5·d²/β where |d| < β, else |d| - 0.5·β. */
export function smooth_l1_loss(input: tf.Tensor, target: tf.Tensor, options: SmoothL1Options = {}): tf.Tensor {
  const beta = options.beta ?? 1;
  if (!(beta >= 0)) throw new Error(`smooth_l1_loss: beta must be >= 0, got ${beta}`);
  return elementwise('smooth_l1_loss', input, target, options.reduction, (d) => {
    const a = tf.abs(d);
    if (beta === 0) return a;
    // With m = min(|d|, β): 0.5·m²/β + (|d| - m), the same piecewise function with a differentiable form.
    const m = tf.minimum(a, beta);
    return tf.add(tf.div(tf.mul(tf.square(m), 0.5), beta), tf.sub(a, m));
  });
}

/** torch.nn.functional.huber_loss(input, target, reduction='mean', delta=1.0): 0.5·d² where |d| < δ, else δ·(|d| - 0.5·δ). */
export function huber_loss(input: tf.Tensor, target: tf.Tensor, options: HuberOptions = {}): tf.Tensor {
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huber_loss: delta must be > 0, got ${delta}`);
  return elementwise('huber_loss', input, target, options.reduction, (d) => {
    // With m = min(|d|, δ): 0.5·m² + δ·(|d| - m), the same piecewise function with a differentiable form.
    const a = tf.abs(d);
    const m = tf.minimum(a, delta);
    return tf.add(tf.mul(tf.square(m), 0.5), tf.mul(tf.sub(a, m), delta));
  });
}

/** torch.nn.MSELoss(reduction='mean'). */
export class MSELoss extends Loss {
  /** @param options - reduction ('mean') */
  constructor(options: ReductionOptions = {}) {
    super(checkReduction(options.reduction ?? 'mean', 'MSELoss'));
  }

  /**
   * The loss of `input` against `target`, reduced as `reduction` says.
   * @param input - predictions
   * @param target - the same shape
   */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return mse_loss(input, target, { reduction: this.reduction });
  }
}

/** torch.nn.L1Loss(reduction='mean'). */
export class L1Loss extends Loss {
  /** @param options - reduction ('mean') */
  constructor(options: ReductionOptions = {}) {
    super(checkReduction(options.reduction ?? 'mean', 'L1Loss'));
  }

  /**
   * The loss of `input` against `target`, reduced as `reduction` says.
   * @param input - predictions
   * @param target - the same shape
   */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return l1_loss(input, target, { reduction: this.reduction });
  }
}

/** torch.nn.SmoothL1Loss(reduction='mean', beta=1.0). */
export class SmoothL1Loss extends Loss {
  /** Where the loss turns linear (default 1.0). */
  readonly beta: number;

  /** @param options - reduction ('mean'), beta (1.0) */
  constructor(options: SmoothL1Options = {}) {
    super(checkReduction(options.reduction ?? 'mean', 'SmoothL1Loss'));
    this.beta = options.beta ?? 1;
  }

  /**
   * The loss of `input` against `target`, reduced as `reduction` says.
   * @param input - predictions
   * @param target - the same shape
   */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return smooth_l1_loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
}

/** torch.nn.HuberLoss(reduction='mean', delta=1.0). */
export class HuberLoss extends Loss {
  /** Where the loss turns linear (default 1.0). */
  readonly delta: number;

  /** @param options - reduction ('mean'), delta (1.0) */
  constructor(options: HuberOptions = {}) {
    super(checkReduction(options.reduction ?? 'mean', 'HuberLoss'));
    this.delta = options.delta ?? 1;
  }

  /**
   * The loss of `input` against `target`, reduced as `reduction` says.
   * @param input - predictions
   * @param target - the same shape
   */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return huber_loss(input, target, { reduction: this.reduction, delta: this.delta });
  }
}
