/**
 * Mirrors torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
 * maximize=False), torch's single-tensor update (g = -grad under maximize):
 *   g = g + weight_decay * p
 *   square_avg = square_avg * alpha + (1 - alpha) * g * g
 *   avg = sqrt(square_avg - grad_avg^2) (centered, grad_avg = lerp(grad_avg, g, 1 - alpha)) | sqrt(square_avg)
 *   avg = avg + eps
 *   buf = buf * momentum + g / avg;  p = p - lr * buf       (momentum > 0)
 *   p = p - lr * g / avg                                     (otherwise)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';
import { Optimizer, requireNonNegative, type BaseOptimizerOptions, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer.js';
import { addcdiv, addcmul, addScaled, lerp } from './torch-ops.js';

/** torch's defaults of RMSprop (what a group gets when neither it nor the constructor's options set a value). */
export const RMSPROP_DEFAULTS: Readonly<RMSpropOptions> = Object.freeze({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });

/** torch.optim.RMSprop's hyper-parameters (camelCase). */
export interface RMSpropOptions extends BaseOptimizerOptions {
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator, outside the square root (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the estimated variance of the gradient instead of its second moment (default false). */
  centered: boolean;
}

/** torch.optim.RMSprop. */
export class RMSprop extends Optimizer<RMSpropOptions> {
  /**
   * @param params - parameters or parameter groups
   * @param options - defaults for every group: lr=1e-2, alpha=0.99, eps=1e-8, weightDecay=0, momentum=0, centered=false, maximize=false
   */
  constructor(params: OptimizerParams<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super(params, { ...RMSPROP_DEFAULTS, ...options });
  }

  protected validate(o: RMSpropOptions): void {
    requireNonNegative('RMSprop', { lr: o.lr, eps: o.eps, momentum: o.momentum, weight_decay: o.weightDecay, alpha: o.alpha });
  }

  protected update(p: Parameter, grad: tf.Tensor, o: ParamGroup<RMSpropOptions>, st: ParamState): void {
    const next = tf.tidy(() => {
      const g = o.weightDecay !== 0 ? addScaled(grad, p.variable, o.weightDecay) : grad;
      const zeros = () => tf.zerosLike(p.variable);
      const squareAvg = addcmul(tf.mul(st.tensors.get('square_avg') ?? zeros(), o.alpha), g, g, 1 - o.alpha);
      this.setState(st, 'square_avg', squareAvg);
      let avg: tf.Tensor;
      if (o.centered) {
        const gradAvg = lerp(st.tensors.get('grad_avg') ?? zeros(), g, 1 - o.alpha);
        this.setState(st, 'grad_avg', gradAvg);
        avg = tf.sqrt(addcmul(squareAvg, gradAvg, gradAvg, -1));
      } else {
        avg = tf.sqrt(squareAvg);
      }
      avg = tf.add(avg, o.eps);
      if (o.momentum > 0) {
        const buf = addcdiv(tf.mul(st.tensors.get('momentum_buffer') ?? zeros(), o.momentum), g, avg);
        this.setState(st, 'momentum_buffer', buf);
        return addScaled(p.variable, buf, -o.lr);
      }
      return addcdiv(p.variable, g, avg, -o.lr);
    });
    p.assign(next);
  }
}
