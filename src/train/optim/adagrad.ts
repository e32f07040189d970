/**
 * Mirrors torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
 * eps=1e-10, *, maximize=False), torch's single-tensor update (g = -grad under maximize):
 *   g = g + weight_decay * p
 *   clr = lr / (1 + (step - 1) * lr_decay)
 *   sum = sum + g * g
 *   p = p - clr * g / (sqrt(sum) + eps)
 * Like PyTorch, every parameter's state (`sum` = initial_accumulator_value, step 0) exists from construction, and
 * `sum` starts at the constructor's initial_accumulator_value even in a group that sets its own (torch reads
 * the constructor argument there, not the group's).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';
import { Optimizer, requireNonNegative, type BaseOptimizerOptions, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer.js';
import { addcdiv, addcmul, addScaled } from './torch-ops.js';

/** torch's defaults of Adagrad (what a group gets when neither it nor the constructor's options set a value). */
export const ADAGRAD_DEFAULTS: Readonly<AdagradOptions> = Object.freeze({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });

/** torch.optim.Adagrad's hyper-parameters (camelCase). */
export interface AdagradOptions extends BaseOptimizerOptions {
  /** Learning-rate decay per step (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the squared-gradient sums (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
}

/** torch.optim.Adagrad. */
export class Adagrad extends Optimizer<AdagradOptions> {
  /**
   * @param params - parameters or parameter groups
   * @param options - defaults for every group: lr=1e-2, lrDecay=0, weightDecay=0, initialAccumulatorValue=0, eps=1e-10, maximize=false
   */
  constructor(params: OptimizerParams<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super(params, { ...ADAGRAD_DEFAULTS, ...options });
  }

  protected validate(o: AdagradOptions): void {
    requireNonNegative('Adagrad', { lr: o.lr, lr_decay: o.lrDecay, weight_decay: o.weightDecay, initial_accumulator_value: o.initialAccumulatorValue, eps: o.eps });
  }

  protected override onGroupAdded(group: ParamGroup<AdagradOptions>): void {
    for (const p of group.params) this.initialState(p);
  }

  /** Like PyTorch, `sum` starts at the constructor's initial_accumulator_value, even for a group that sets its own. */
  private initialState(p: Parameter): ParamState {
    const st = this.stateFor(p);
    if (!st.tensors.has('sum')) this.setState(st, 'sum', tf.fill(p.shape, this.defaults.initialAccumulatorValue, 'float32'));
    return st;
  }

  protected update(p: Parameter, grad: tf.Tensor, o: ParamGroup<AdagradOptions>, st: ParamState): void {
    this.initialState(p);
    const next = tf.tidy(() => {
      const g = o.weightDecay !== 0 ? addScaled(grad, p.variable, o.weightDecay) : grad;
      const clr = o.lr / (1 + (st.step - 1) * o.lrDecay);
      const sum = addcmul(st.tensors.get('sum')!, g, g);
      this.setState(st, 'sum', sum);
      const std = tf.add(tf.sqrt(sum), o.eps);
      return addcdiv(p.variable, g, std, -clr);
    });
    p.assign(next);
  }
}
