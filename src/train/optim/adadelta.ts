/**
 * Mirrors torch.optim.Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False), torch's
 * single-tensor update (g = -grad under maximize):
 *   g = g + weight_decay * p
 *   square_avg = square_avg * rho + (1 - rho) * g * g
 *   delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
 *   acc_delta = acc_delta * rho + (1 - rho) * delta * delta
 *   p = p - lr * delta
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';
import { Optimizer, requireNonNegative, type BaseOptimizerOptions, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer.js';
import { addcmul, addScaled } from './torch-ops.js';

/** torch's defaults of Adadelta (what a group gets when neither it nor the constructor's options set a value). */
export const ADADELTA_DEFAULTS: Readonly<AdadeltaOptions> = Object.freeze({ lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });

/** torch.optim.Adadelta's hyper-parameters (camelCase). */
export interface AdadeltaOptions extends BaseOptimizerOptions {
  /** Coefficient of the running averages of squared gradients and updates (default 0.9). */
  rho: number;
  /** Added inside both square roots (default 1e-6). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
}

/** torch.optim.Adadelta. */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  /**
   * @param params - parameters or parameter groups
   * @param options - defaults for every group: lr=1.0, rho=0.9, eps=1e-6, weightDecay=0, maximize=false
   */
  constructor(params: OptimizerParams<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super(params, { ...ADADELTA_DEFAULTS, ...options });
  }

  protected validate(o: AdadeltaOptions): void {
    requireNonNegative('Adadelta', { lr: o.lr, eps: o.eps, weight_decay: o.weightDecay });
    if (!(o.rho >= 0 && o.rho <= 1)) throw new Error(`Adadelta: invalid rho=${o.rho} (must be in [0, 1])`);
  }

  protected update(p: Parameter, grad: tf.Tensor, o: ParamGroup<AdadeltaOptions>, st: ParamState): void {
    const next = tf.tidy(() => {
      const g = o.weightDecay !== 0 ? addScaled(grad, p.variable, o.weightDecay) : grad;
      const squareAvgPrev = st.tensors.get('square_avg') ?? tf.zerosLike(p.variable);
      const accDeltaPrev = st.tensors.get('acc_delta') ?? tf.zerosLike(p.variable);
      const squareAvg = addcmul(tf.mul(squareAvgPrev, o.rho), g, g, 1 - o.rho);
      const std = tf.sqrt(tf.add(squareAvg, o.eps));
      const delta = tf.mul(tf.div(tf.sqrt(tf.add(accDeltaPrev, o.eps)), std), g);
      const accDelta = addcmul(tf.mul(accDeltaPrev, o.rho), delta, delta, 1 - o.rho);
      this.setState(st, 'square_avg', squareAvg);
      this.setState(st, 'acc_delta', accDelta);
      return addScaled(p.variable, delta, -o.lr);
    });
    p.assign(next);
  }
}
