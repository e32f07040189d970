/**
 * Adam's per-parameter update on the `tensorflow` backend: the same TensorFlow ops in the same order as the tfjs
 * path in adam.ts (so the same float32 results, bit for bit), run as raw eager ops (src/backend/tensorflow/
 * eager-ops.ts) with the scalar hyper-parameters uploaded once. Only the new parameter value and the new state
 * tensors come back to tfjs. This roughly halves the optimizer's share of a small model's training step there.
 */
import * as tf from '@tensorflow/tfjs-core';
import { EagerConstants, withEagerScope, type EagerHandle, type EagerInput } from '../../backend/tensorflow/eager-ops.js';
import type { AdamOptions } from './adam.js';

/** The new values of one Adam update: parameter and state tensors (exp_avg, exp_avg_sq, max_exp_avg_sq). */
export interface AdamUpdate {
  param: tf.Tensor;
  state: Map<string, tf.Tensor>;
}

/** Scalar constants of the update, kept across steps (one optimizer owns one instance). */
export class TensorflowAdamUpdate {
  private readonly constants = new EagerConstants();

  /**
   * One Adam/AdamW update of one parameter, as adam.ts computes it (see the formulas there).
   * @param param - the parameter's current value
   * @param grad - its gradient
   * @param o - the group's hyper-parameters
   * @param step - the parameter's step count after this update (t, from 1)
   * @param previous - its state tensors (absent on the first step)
   * @returns the new parameter value and state tensors; the caller owns them
   */
  update(param: tf.Tensor, grad: tf.Tensor, o: AdamOptions, step: number, previous: Map<string, tf.Tensor>): AdamUpdate {
    const [beta1, beta2] = o.betas;
    const c = (name: string, value: number) => this.constants.scalar(name, value);
    const zeros = previous.has('exp_avg') && previous.has('exp_avg_sq') ? null : tf.zerosLike(grad);
    try {
      return withEagerScope((s) => {
        let p: EagerInput = param;
        let g: EagerInput = grad;
        if (o.weightDecay !== 0) {
          if (o.decoupledWeightDecay) p = s.binary('Mul', param, c('decay', 1 - o.lr * o.weightDecay));
          else g = s.binary('Add', grad, s.binary('Mul', param, c('weightDecay', o.weightDecay)));
        }
        const mPrev = previous.get('exp_avg') ?? zeros!;
        const vPrev = previous.get('exp_avg_sq') ?? zeros!;
        const m = s.binary('Add', mPrev, s.binary('Mul', s.binary('Sub', g, mPrev), c('oneMinusBeta1', 1 - beta1)));
        const v = s.binary('Add', s.binary('Mul', vPrev, c('beta2', beta2)), s.binary('Mul', s.unary('Square', g), c('oneMinusBeta2', 1 - beta2)));
        let second: EagerHandle = v;
        const maxPrev = previous.get('max_exp_avg_sq');
        if (o.amsgrad && maxPrev) second = s.binary('Maximum', maxPrev, v);
        const biasCorrection1 = 1 - beta1 ** step;
        const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
        const denom = s.binary('Add', s.binary('RealDiv', s.unary('Sqrt', second), c('biasCorrection2Sqrt', biasCorrection2Sqrt)), c('eps', o.eps));
        const next = s.binary('Sub', p, s.binary('Mul', s.binary('RealDiv', m, denom), c('stepSize', o.lr / biasCorrection1)));
        const state = new Map<string, tf.Tensor>();
        const mTensor = s.result(m);
        const vTensor = s.result(v);
        state.set('exp_avg', mTensor);
        state.set('exp_avg_sq', vTensor);
        // On the first amsgrad step max_exp_avg_sq starts as a copy of v (adam.ts: v.clone()).
        if (o.amsgrad) state.set('max_exp_avg_sq', second === v ? tf.clone(vTensor) : s.result(second));
        return { param: s.result(next), state };
      });
    } finally {
      zeros?.dispose();
    }
  }

  /** Deletes the cached constants. */
  dispose(): void {
    this.constants.dispose();
  }
}
