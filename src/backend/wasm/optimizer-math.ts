/**
 * The element loops of twinml's fused optimizer kernels. Each line rounds to float32 exactly where the tf-ops
 * path of src/train/optim (one float32 kernel per op, scalars as float32 tensors) rounds, in the same order, so
 * the fused update is bit-identical to it (float32 add/mul/div/sqrt are correctly rounded in every backend).
 */
const f32 = Math.fround;

/** Adam / AdamW hyper-parameters of one step (the step count `step` starts at 1). */
export interface AdamStepAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupledWeightDecay: boolean;
  amsgrad: boolean;
  step: number;
}

/** Arrays of one Adam update; state inputs are null on the first step (zeros). */
export interface AdamArrays {
  param: Float32Array;
  grad: Float32Array;
  expAvg: Float32Array | null;
  expAvgSq: Float32Array | null;
  maxExpAvgSq: Float32Array | null;
  outParam: Float32Array;
  outExpAvg: Float32Array;
  outExpAvgSq: Float32Array;
  /** Written only with amsgrad. */
  outMaxExpAvgSq: Float32Array | null;
}

/**
 * One Adam/AdamW step, PyTorch's formula in the op order of src/train/optim/adam.ts:
 *   m = m + (g - m) * (1 - beta1);  v = v * beta2 + g^2 * (1 - beta2)
 *   p = p - (m / (sqrt(v) / sqrt(1 - beta2^t) + eps)) * (lr / (1 - beta1^t))
 * @param a - input and output arrays (outputs may not alias inputs)
 * @param o - the step's hyper-parameters
 */
export function adamUpdate(a: AdamArrays, o: AdamStepAttrs): void {
  const { param, grad, expAvg, expAvgSq, maxExpAvgSq, outParam, outExpAvg, outExpAvgSq, outMaxExpAvgSq } = a;
  const oneMinusBeta1 = f32(1 - o.beta1);
  const beta2 = f32(o.beta2);
  const oneMinusBeta2 = f32(1 - o.beta2);
  const biasCorrection2Sqrt = f32(Math.sqrt(1 - o.beta2 ** o.step));
  const eps = f32(o.eps);
  const stepSize = f32(o.lr / (1 - o.beta1 ** o.step));
  const coupledDecay = o.weightDecay !== 0 && !o.decoupledWeightDecay ? f32(o.weightDecay) : 0;
  const decoupledScale = o.weightDecay !== 0 && o.decoupledWeightDecay ? f32(1 - o.lr * o.weightDecay) : 1;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    let p = param[i]!;
    let g = grad[i]!;
    if (decoupledScale !== 1) p = f32(p * decoupledScale);
    if (coupledDecay !== 0) g = f32(g + f32(p * coupledDecay));
    const mPrev = expAvg ? expAvg[i]! : 0;
    const vPrev = expAvgSq ? expAvgSq[i]! : 0;
    const m = f32(mPrev + f32(f32(g - mPrev) * oneMinusBeta1));
    const v = f32(f32(vPrev * beta2) + f32(f32(g * g) * oneMinusBeta2));
    outExpAvg[i] = m;
    outExpAvgSq[i] = v;
    let second = v;
    if (outMaxExpAvgSq) {
      if (maxExpAvgSq) second = Math.max(maxExpAvgSq[i]!, v);
      outMaxExpAvgSq[i] = second;
    }
    const denom = f32(f32(f32(Math.sqrt(second)) / biasCorrection2Sqrt) + eps);
    outParam[i] = f32(p - f32(f32(m / denom) * stepSize));
  }
}

/** SGD hyper-parameters (torch.optim.SGD). */
export interface SgdStepAttrs {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** Arrays of one SGD update; `momentumBuffer` is null on the first step; `outMomentumBuffer` only with momentum. */
export interface SgdArrays {
  param: Float32Array;
  grad: Float32Array;
  momentumBuffer: Float32Array | null;
  outParam: Float32Array;
  outMomentumBuffer: Float32Array | null;
}

/**
 * One SGD step in the op order of src/train/optim/sgd.ts:
 *   g = g + p * wd;  buf = buf * momentum + g * (1 - dampening) (first step: g);  g = nesterov ? g + buf * momentum : buf
 *   p = p - g * lr
 * @param a - input and output arrays (outputs may not alias inputs)
 * @param o - the step's hyper-parameters
 */
export function sgdUpdate(a: SgdArrays, o: SgdStepAttrs): void {
  const { param, grad, momentumBuffer, outParam, outMomentumBuffer } = a;
  const lr = f32(o.lr);
  const weightDecay = f32(o.weightDecay);
  const momentum = f32(o.momentum);
  const oneMinusDampening = f32(1 - o.dampening);
  const n = param.length;
  for (let i = 0; i < n; i++) {
    const p = param[i]!;
    let g = grad[i]!;
    if (weightDecay !== 0) g = f32(g + f32(p * weightDecay));
    if (outMomentumBuffer) {
      const buf = momentumBuffer ? f32(f32(momentumBuffer[i]! * momentum) + f32(g * oneMinusDampening)) : g;
      outMomentumBuffer[i] = buf;
      g = o.nesterov ? f32(g + f32(buf * momentum)) : buf;
    }
    outParam[i] = f32(p - f32(g * lr));
  }
}
