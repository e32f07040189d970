/**
 * twinml's own kernels on the `torch` backend, one addon call each (native/torch-backend/fused.cc):
 * - TwinmlAdamUpdate / TwinmlSgdUpdate (src/train/optim runs them when the active backend registers them): PyTorch's
 *   default single-tensor Adam/AdamW/SGD step, so the update equals torch.optim's bit for bit; in place when the
 *   parameter and state tensors are not shared. Adam runs as one pass over the arrays doing the float operations
 *   of ATen's kernels in their order (fused.cc); the attribute `referencePath: true` runs the ATen kernel sequence
 *   itself instead (tests compare the two).
 * - TwinmlSoftmaxCrossEntropy (src/train/loss/cross-entropy.ts): per-sample loss as log_softmax + nll_loss and its
 *   gradient softmax - onehot (ATen's log_softmax and exp, then one loop over the rows; `referencePath: true` runs
 *   the ATen composition nll_loss / one_hot instead, which tests compare with).
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, SGD_UPDATE } from '../wasm/optimizer-kernels.js';
import type { SgdStepAttrs } from '../wasm/optimizer-math.js';
import type { AdamStepAttrs } from '../optimizer-spec.js';
import { SOFTMAX_CROSS_ENTROPY } from '../wasm/cross-entropy-kernel.js';
import { kernel } from './kernel.js';
import type { TorchBackend } from './backend.js';

function idOrNone(b: TorchBackend, t: TensorInfo | undefined): number {
  return t ? b.idOf(t) : -1;
}

/**
 * Bit k set when input k's data is held by this tensor alone (refCount 1): the addon may then update it in place,
 * as PyTorch's optimizers do (src/train/optim replaces the parameter and state by the outputs and disposes them).
 */
function exclusiveBits(b: TorchBackend, tensors: Array<TensorInfo | undefined>): number {
  let bits = 0;
  tensors.forEach((t, k) => {
    if (t && b.refCount(t.dataId) === 1) bits |= 1 << k;
  });
  return bits;
}

function checkFloat32(name: string, tensors: Record<string, TensorInfo | undefined>): void {
  for (const [k, t] of Object.entries(tensors)) {
    if (t && t.dtype !== 'float32') throw new Error(`${name}: input ${k} must be float32, got ${t.dtype}`);
  }
}

export function twinmlKernels(): KernelConfig[] {
  return [
    kernel(ADAM_UPDATE, (b, { param, grad, expAvg, expAvgSq, maxExpAvgSq }, attrs) => {
      if (!param || !grad) throw new Error(`${ADAM_UPDATE}: inputs param and grad are required`);
      checkFloat32(ADAM_UPDATE, { param, grad, expAvg, expAvgSq, maxExpAvgSq });
      const o = attrs as unknown as AdamStepAttrs;
      const ids = [b.idOf(param), b.idOf(grad), idOrNone(b, expAvg), idOrNone(b, expAvgSq), idOrNone(b, maxExpAvgSq)];
      const a = b.args;
      for (let k = 0; k < 5; k++) a[k] = ids[k]!;
      a[5] = o.lr;
      a[6] = o.beta1;
      a[7] = o.beta2;
      a[8] = o.eps;
      a[9] = o.weightDecay;
      a[10] = o.decoupledWeightDecay ? 1 : 0;
      a[11] = o.amsgrad ? 1 : 0;
      a[12] = o.step;
      a[13] = exclusiveBits(b, [param, undefined, expAvg, expAvgSq, maxExpAvgSq]);
      a[14] = (attrs as { referencePath?: boolean }).referencePath === true ? 1 : 0;
      b.addon.adamStep();
      return b.outputs();
    }),
    kernel(SGD_UPDATE, (b, { param, grad, momentumBuffer }, attrs) => {
      if (!param || !grad) throw new Error(`${SGD_UPDATE}: inputs param and grad are required`);
      checkFloat32(SGD_UPDATE, { param, grad, momentumBuffer });
      const o = attrs as unknown as SgdStepAttrs;
      const ids = [b.idOf(param), b.idOf(grad), idOrNone(b, momentumBuffer)];
      const a = b.args;
      for (let k = 0; k < 3; k++) a[k] = ids[k]!;
      a[3] = o.lr;
      a[4] = o.momentum;
      a[5] = o.dampening;
      a[6] = o.weightDecay;
      a[7] = o.nesterov ? 1 : 0;
      a[8] = exclusiveBits(b, [param, undefined, momentumBuffer]);
      b.addon.sgdStep();
      return b.outputs();
    }),
    kernel(SOFTMAX_CROSS_ENTROPY, (b, { logits, target }, attrs) => {
      if (!logits || !target || logits.dtype !== 'float32' || target.dtype !== 'int32' || logits.shape.length !== 2 || target.shape[0] !== logits.shape[0]) {
        throw new Error(`${SOFTMAX_CROSS_ENTROPY}: expected float32 logits [N, C] and int32 target [N], got ${logits?.dtype} [${logits?.shape}] and ${target?.dtype} [${target?.shape}]`);
      }
      const ids = [b.idOf(logits), b.idOf(target)];
      b.args[0] = ids[0]!;
      b.args[1] = ids[1]!;
      b.args[2] = (attrs as unknown as { ignoreIndex: number }).ignoreIndex;
      b.args[3] = (attrs as { referencePath?: boolean }).referencePath === true ? 1 : 0;
      b.addon.crossEntropy();
      return b.outputs();
    }),
  ];
}
