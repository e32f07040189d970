/**
 * Mirrors torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)
 * and torch.optim.AdamW (decoupled weight decay, default 1e-2), with PyTorch's formulas:
 *   g = grad + weight_decay * p                  (Adam)   |  p = p * (1 - lr * weight_decay)   (AdamW)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   v_max = max(v_max, v)                        (amsgrad)
 *   denom = sqrt(v or v_max) / sqrt(1 - beta2^t) + eps      <- eps outside the bias-corrected sqrt
 *   p = p - (lr / (1 - beta1^t)) * m / denom
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';
import { Optimizer } from './optimizer.js';
import { ADAM_UPDATE } from '../../backend/kernel-names.js';
import { hasFusedKernel, runFused } from './fused.js';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  /** true for AdamW's decoupled weight decay. */
  decoupledWeightDecay: boolean;
}

type AdamParams = Parameter[] | Array<{ params: Parameter[] } & Partial<AdamOptions>>;

export class Adam extends Optimizer<AdamOptions> {
  constructor(params: AdamParams, options: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, decoupledWeightDecay: false, ...options });
  }

  protected validate(o: AdamOptions): void {
    if (!(o.lr >= 0)) throw new Error(`Adam: invalid learning rate lr=${o.lr}`);
    if (!(o.eps >= 0)) throw new Error(`Adam: invalid eps=${o.eps}`);
    o.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: invalid beta parameter at index ${i}: ${b}`);
    });
    if (!(o.weightDecay >= 0)) throw new Error(`Adam: invalid weight_decay=${o.weightDecay}`);
  }

  protected update(p: Parameter, grad: tf.Tensor, o: AdamOptions, st: { step: number; tensors: Map<string, tf.Tensor> }): void {
    const [beta1, beta2] = o.betas;
    const t = st.step;
    if (grad.dtype === 'float32' && hasFusedKernel(ADAM_UPDATE)) {
      this.fusedUpdate(p, grad, o, st);
      return;
    }
    const next = tf.tidy(() => {
      let param: tf.Tensor = p.variable;
      let g = grad;
      if (o.weightDecay !== 0) {
        if (o.decoupledWeightDecay) param = tf.mul(param, 1 - o.lr * o.weightDecay);
        else g = tf.add(g, tf.mul(param, o.weightDecay));
      }
      const mPrev = st.tensors.get('exp_avg') ?? tf.zerosLike(g);
      const vPrev = st.tensors.get('exp_avg_sq') ?? tf.zerosLike(g);
      const m = tf.add(mPrev, tf.mul(tf.sub(g, mPrev), 1 - beta1)); // lerp, as torch does
      const v = tf.add(tf.mul(vPrev, beta2), tf.mul(tf.square(g), 1 - beta2));
      this.setState(st, 'exp_avg', m);
      this.setState(st, 'exp_avg_sq', v);
      const biasCorrection1 = 1 - beta1 ** t;
      const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** t);
      let second = v;
      if (o.amsgrad) {
        const maxPrev = st.tensors.get('max_exp_avg_sq');
        second = maxPrev ? tf.maximum(maxPrev, v) : v.clone();
        this.setState(st, 'max_exp_avg_sq', second);
      }
      const denom = tf.add(tf.div(tf.sqrt(second), biasCorrection2Sqrt), o.eps);
      const stepSize = o.lr / biasCorrection1;
      return tf.sub(param, tf.mul(tf.div(m, denom), stepSize));
    });
    p.assign(next);
  }

  /** The same update as one fused kernel call (bit-identical). */
  private fusedUpdate(p: Parameter, grad: tf.Tensor, o: AdamOptions, st: { step: number; tensors: Map<string, tf.Tensor> }): void {
    const inputs = {
      param: p.variable,
      grad,
      expAvg: st.tensors.get('exp_avg'),
      expAvgSq: st.tensors.get('exp_avg_sq'),
      maxExpAvgSq: o.amsgrad ? st.tensors.get('max_exp_avg_sq') : undefined,
    };
    const attrs = { lr: o.lr, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay, decoupledWeightDecay: o.decoupledWeightDecay, amsgrad: o.amsgrad, step: st.step };
    const [param, expAvg, expAvgSq, maxExpAvgSq] = runFused(ADAM_UPDATE, inputs, attrs);
    this.setState(st, 'exp_avg', expAvg!);
    this.setState(st, 'exp_avg_sq', expAvgSq!);
    if (maxExpAvgSq) this.setState(st, 'max_exp_avg_sq', maxExpAvgSq);
    p.assign(param!);
  }
}

/** Mirrors torch.optim.AdamW: Adam with decoupled weight decay (default weight_decay=1e-2). */
export class AdamW extends Adam {
  constructor(params: AdamParams, options: Partial<Omit<AdamOptions, 'decoupledWeightDecay'>> = {}) {
    super(params, { weightDecay: 1e-2, ...options, decoupledWeightDecay: true });
  }
}
