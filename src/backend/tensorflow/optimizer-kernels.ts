/**
 * The fused Adam update (kernel `TwinmlAdamUpdate`, which src/train/optim/adam.ts calls when the active backend
 * registers it; the wasm backend's is src/backend/wasm/optimizer-kernels.ts) for the `tensorflow` backend: the same
 * TensorFlow ops in the same order as adam.ts's tf-ops path (`Sub`, `Mul`, `Add`, `Square`, `Sqrt`, `RealDiv`,
 * `Maximum`: the kernels tfjs-node runs for tf.sub, tf.mul, ...), so the same float32 results bit for bit, but run as
 * raw eager ops (eager-ops.ts): no tfjs kernel dispatch per op, intermediates freed at once, and the scalar
 * hyper-parameters uploaded once instead of once per op. Only the new parameter and state reach tfjs.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ADAM_UPDATE } from '../wasm/optimizer-kernels.js';
import type { AdamStepAttrs } from '../wasm/optimizer-math.js';
import { EagerConstants, withEagerScope, type EagerHandle, type EagerInput } from './eager-ops.js';

const constants = new EagerConstants();

const adamKernel: KernelFunc = ({ inputs, attrs }) => {
  const { param, grad, expAvg, expAvgSq, maxExpAvgSq } = inputs as Record<string, TensorInfo | undefined>;
  if (!param || !grad) throw new Error(`${ADAM_UPDATE}: inputs param and grad are required`);
  for (const [name, t] of Object.entries({ param, grad, expAvg, expAvgSq, maxExpAvgSq })) {
    if (t && t.dtype !== 'float32') throw new Error(`${ADAM_UPDATE}: input ${name} must be float32, got ${t.dtype}`);
  }
  const o = attrs as unknown as AdamStepAttrs;
  const c = (name: string, value: number) => constants.scalar(name, value);
  return withEagerScope((s) => {
    let p: EagerInput = param;
    let g: EagerInput = grad;
    if (o.weightDecay !== 0) {
      if (o.decoupledWeightDecay) p = s.binary('Mul', param, c('decay', 1 - o.lr * o.weightDecay));
      else g = s.binary('Add', grad, s.binary('Mul', param, c('weightDecay', o.weightDecay)));
    }
    // First step: zeros, as adam.ts's tf.zerosLike (0 + x is not always x bit for bit: 0 + -0 = +0).
    const mPrev = expAvg ?? s.op('ZerosLike', [grad]);
    const vPrev = expAvgSq ?? s.op('ZerosLike', [grad]);
    const m = s.binary('Add', mPrev, s.binary('Mul', s.binary('Sub', g, mPrev), c('oneMinusBeta1', 1 - o.beta1)));
    const v = s.binary('Add', s.binary('Mul', vPrev, c('beta2', o.beta2)), s.binary('Mul', s.unary('Square', g), c('oneMinusBeta2', 1 - o.beta2)));
    let second: EagerHandle = v;
    // amsgrad: max(v_max, v); on the first step v_max starts as a copy of v (its own handle).
    if (o.amsgrad) second = maxExpAvgSq ? s.binary('Maximum', maxExpAvgSq, v) : s.op('Identity', [v]);
    const biasCorrection2Sqrt = Math.sqrt(1 - o.beta2 ** o.step);
    const denom = s.binary('Add', s.binary('RealDiv', s.unary('Sqrt', second), c('biasCorrection2Sqrt', biasCorrection2Sqrt)), c('eps', o.eps));
    const next = s.binary('Sub', p, s.binary('Mul', s.binary('RealDiv', m, denom), c('stepSize', o.lr / (1 - o.beta1 ** o.step))));
    return [s.result(next), s.result(m), s.result(v), ...(o.amsgrad ? [s.result(second)] : [])];
  });
};

/** The fused optimizer kernels of the `tensorflow` backend (Adam; SGD runs adam.ts-style tf ops there). */
export function tensorflowOptimizerKernels(): KernelConfig[] {
  return [{ kernelName: ADAM_UPDATE, backendName: 'tensorflow', kernelFunc: adamKernel }];
}
