/**
 * Mirrors torch.optim.SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
 * maximize=False), torch's single-tensor update:
 *   g = -grad (maximize) | grad;  g = g + weight_decay * p
 *   buf = g (first step) | momentum * buf + (1 - dampening) * g
 *   g = g + momentum * buf (nesterov) | buf
 *   p = p - lr * g
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';
import { Optimizer, requireNonNegative, type BaseOptimizerOptions, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer.js';
import { SGD_UPDATE } from '../../backend/kernel-names.js';
import { hasFusedKernel, runFused } from './fused.js';

/** torch's defaults of SGD (what a group gets when neither it nor the constructor's options set a value). */
export const SGD_DEFAULTS: Readonly<SGDOptions> = Object.freeze({ lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });

/** torch.optim.SGD's hyper-parameters (camelCase). */
export interface SGDOptions extends BaseOptimizerOptions {
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
}

/** torch.optim.SGD: stochastic gradient descent with optional (Nesterov) momentum and weight decay. */
export class SGD extends Optimizer<SGDOptions> {
  /**
   * @param params - parameters or parameter groups
   * @param options - defaults for every group: lr=1e-3, momentum=0, dampening=0, weightDecay=0, nesterov=false, maximize=false
   */
  constructor(params: OptimizerParams<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super(params, { ...SGD_DEFAULTS, ...options });
  }

  protected validate(o: SGDOptions): void {
    requireNonNegative('SGD', { lr: o.lr, momentum: o.momentum, weight_decay: o.weightDecay });
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error('SGD: nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected update(p: Parameter, grad: tf.Tensor, o: ParamGroup<SGDOptions>, st: ParamState): void {
    if (grad.dtype === 'float32' && hasFusedKernel(SGD_UPDATE)) {
      const attrs = { lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weightDecay, nesterov: o.nesterov };
      const [param, buf] = runFused(SGD_UPDATE, { param: p.variable, grad, momentumBuffer: st.tensors.get('momentum_buffer') }, attrs);
      if (buf) this.setState(st, 'momentum_buffer', buf);
      p.assign(param!);
      return;
    }
    const next = tf.tidy(() => {
      let g = grad;
      if (o.weightDecay !== 0) g = tf.add(g, tf.mul(p.variable, o.weightDecay));
      if (o.momentum !== 0) {
        const prev = st.tensors.get('momentum_buffer');
        const buf = prev ? tf.add(tf.mul(prev, o.momentum), tf.mul(g, 1 - o.dampening)) : g.clone();
        this.setState(st, 'momentum_buffer', buf);
        g = o.nesterov ? tf.add(g, tf.mul(buf, o.momentum)) : buf;
      }
      return tf.sub(p.variable, tf.mul(g, o.lr));
    });
    p.assign(next);
  }
}
