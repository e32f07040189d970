/**
 * The element loop of twinml's fused SGD kernel (Adam's arithmetic is the program in optimizer-spec.ts). Each line rounds to float32 exactly where the tf-ops
 * path of src/train/optim (one float32 kernel per op, scalars as float32 tensors) rounds, in the same order, so
 * the fused update is bit-identical to it (float32 add/mul/div/sqrt are correctly rounded in every backend).
 */
const f32 = Math.fround;

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
