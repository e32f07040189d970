/**
 * twinml's multi-tensor kernels on the `torch` backend (src/backend/foreach-kernel-names.ts), one ATen call for every
 * tensor, as torch.nn.utils.clip_grad_norm_ runs on CPU: TwinmlForeachNorm is `_foreach_norm` (per-tensor
 * `linalg_vector_norm`, PyTorch's arithmetic), TwinmlForeachMul is `_foreach_mul` by a scalar tensor.
 */
import type { KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { FOREACH_MUL, FOREACH_NORM } from '../foreach-kernel-names.js';
import { aten } from './op-call.js';
import { kernel } from './kernel.js';

const FOREACH_NORM_OP = aten('_foreach_norm', 'Scalar');
const FOREACH_MUL_OP = aten('_foreach_mul', 'Tensor');

/** Inputs '0'..'n-1', each float32 (an error names the kernel and the input otherwise). */
function numbered(name: string, inputs: NamedTensorInfoMap): TensorInfo[] {
  const list: TensorInfo[] = [];
  for (let i = 0; inputs[String(i)] !== undefined; i++) {
    const t = inputs[String(i)]!;
    if (t.dtype !== 'float32') throw new Error(`twinml torch ${name}: input ${i} must be float32, got ${t.dtype}`);
    list.push(t);
  }
  if (list.length === 0) throw new Error(`twinml torch ${name}: no inputs '0', '1', ...`);
  return list;
}

export function foreachKernels(): KernelConfig[] {
  return [
    kernel(FOREACH_NORM, (b, inputs, attrs) => {
      const ord = Number(attrs.ord ?? 2);
      if (!(ord > 0)) throw new Error(`twinml torch ${FOREACH_NORM}: ord must be > 0 or Infinity, got ${String(attrs.ord)}`);
      return b.op.begin(FOREACH_NORM_OP).tensors(numbered(FOREACH_NORM, inputs)).f(ord).all();
    }),
    kernel(FOREACH_MUL, (b, inputs) => {
      const scale = inputs.scale;
      if (!scale || scale.dtype !== 'float32' || scale.shape.length !== 0) throw new Error(`twinml torch ${FOREACH_MUL}: input scale must be a float32 scalar`);
      return b.op.begin(FOREACH_MUL_OP).tensors(numbered(FOREACH_MUL, inputs)).t(scale).all();
    }),
  ];
}
