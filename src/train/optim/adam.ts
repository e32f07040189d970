/**
 * Mirrors torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
 * maximize=False, decoupled_weight_decay=False) and torch.optim.AdamW (decoupled weight decay, default 1e-2),
 * with PyTorch's formulas (g = -grad under maximize):
 *   g = grad + weight_decay * p                  (Adam)   |  p = p * (1 - lr * weight_decay)   (AdamW)
 *   m = lerp(m, g, 1 - beta1)
 *   v = beta2 * v + (1 - beta2) * g^2
 *   v_max = max(v_max, v)                        (amsgrad)
 *   denom = sqrt(v or v_max) / sqrt(1 - beta2^t) + eps      <- eps outside the bias-corrected sqrt
 *   p = p - (lr / (1 - beta1^t)) * m / denom
 * The operation order and rounding are those of torch's single-tensor Adam, written once as a program in
 * src/backend/optimizer-spec.ts (adamProgram) that the tf-ops path and every fused kernel run.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';
import { Optimizer, requireNonNegative, type BaseOptimizerOptions, type OptimizerParams, type ParamGroup, type ParamState } from './optimizer.js';
import { ADAM_UPDATE } from '../../backend/kernel-names.js';
import { hasFusedKernel, runFused } from './fused.js';
import { adamProgram, type AdamStepAttrs } from '../../backend/optimizer-spec.js';
import { runProgramWithTfOps } from './run-program.js';

/** torch's defaults of Adam (what a group gets when neither it nor the constructor's options set a value). */
export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ lr: 1e-3, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, decoupledWeightDecay: false });

/** torch.optim.Adam's hyper-parameters (camelCase). */
export interface AdamOptions extends BaseOptimizerOptions {
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator, outside the square root (default 1e-8). */
  eps: number;
  /** Weight decay: L2 penalty (Adam) or decoupled (AdamW) (default 0; AdamW 1e-2). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad; default false). */
  amsgrad: boolean;
  /** true for AdamW's decoupled weight decay (torch's `decoupled_weight_decay`, default false). */
  decoupledWeightDecay: boolean;
}

/** torch.optim.Adam. */
export class Adam extends Optimizer<AdamOptions> {
  /**
   * @param params - parameters or parameter groups
   * @param options - defaults for every group: lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weightDecay=0, amsgrad=false, maximize=false, decoupledWeightDecay=false
   */
  constructor(params: OptimizerParams<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { ...ADAM_DEFAULTS, ...options });
  }

  protected validate(o: AdamOptions): void {
    requireNonNegative('Adam', { lr: o.lr, eps: o.eps, weight_decay: o.weightDecay });
    o.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: invalid beta parameter at index ${i}: ${b}`);
    });
  }

  protected update(p: Parameter, grad: tf.Tensor, o: ParamGroup<AdamOptions>, st: ParamState): void {
    const inputs = {
      param: p.variable,
      grad,
      expAvg: st.tensors.get('exp_avg'),
      expAvgSq: st.tensors.get('exp_avg_sq'),
      maxExpAvgSq: o.amsgrad ? st.tensors.get('max_exp_avg_sq') : undefined,
    };
    const attrs: AdamStepAttrs = {
      lr: o.lr, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay,
      decoupledWeightDecay: o.decoupledWeightDecay, amsgrad: o.amsgrad, step: st.step,
    };
    // The fused kernel and the tf-ops path run the same program (optimizer-spec.ts): bit-identical results.
    const fused = grad.dtype === 'float32' && hasFusedKernel(ADAM_UPDATE);
    const [param, expAvg, expAvgSq, maxExpAvgSq] = fused
      ? runFused(ADAM_UPDATE, inputs, attrs)
      : tf.tidy(() => runProgramWithTfOps(adamProgram(attrs), inputs));
    this.setState(st, 'exp_avg', expAvg!);
    this.setState(st, 'exp_avg_sq', expAvgSq!);
    if (maxExpAvgSq) this.setState(st, 'max_exp_avg_sq', maxExpAvgSq);
    p.assign(param!);
  }
}

/** torch's defaults of AdamW: Adam's with weight_decay=1e-2, decoupled. */
export const ADAMW_DEFAULTS: Readonly<AdamOptions> = Object.freeze({ ...ADAM_DEFAULTS, weightDecay: 1e-2, decoupledWeightDecay: true });

/** Mirrors torch.optim.AdamW: Adam with decoupled weight decay (default weight_decay=1e-2). */
export class AdamW extends Adam {
  /**
   * @param params - parameters or parameter groups
   * @param options - as Adam's, with weightDecay=1e-2 by default
   */
  constructor(params: OptimizerParams<AdamOptions>, options: Partial<Omit<AdamOptions, 'decoupledWeightDecay'>> = {}) {
    super(params, { ...ADAMW_DEFAULTS, ...options, decoupledWeightDecay: true });
  }
}
