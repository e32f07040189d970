/**
 * ONNX mappings of twinml's fused kernels that a forward reaches on backends registering them (torch; wasm for
 * GELU), as the same ONNX nodes the composed form exports (opset 17 has neither Gelu nor attention):
 * - TwinmlGelu: x/2·(1 + erf(x/√2)), or the tanh form;
 * - TwinmlLinear: MatMul(x, Transpose(weight)) (+ Add bias), what the composed Linear exports;
 * - TwinmlScaledDotProductAttention: Softmax(q·kᵀ·scale [+ causal mask])·v, and the logsumexp output (kept for the
 *   gradient, unused by a forward graph) as ReduceLogSumExp of the same scores.
 */
import type { KernelEmitContext, KernelEmitter } from './emitter.js';
import { GELU } from '../backend/gelu-kernel-names.js';
import { SCALED_DOT_PRODUCT_ATTENTION } from '../backend/attention-kernel-names.js';
import { LINEAR } from '../backend/linear-kernel-names.js';

function gelu(ctx: KernelEmitContext): string[] {
  const x = ctx.input('x');
  const inner =
    (ctx.attrs.approximate ?? 'none') === 'none'
      ? ctx.node('Erf', [ctx.node('Mul', [x, ctx.float([Math.SQRT1_2])])])
      : ctx.node('Tanh', [
          ctx.node('Mul', [ctx.node('Add', [x, ctx.node('Mul', [ctx.node('Pow', [x, ctx.float([3])]), ctx.float([0.044715])])]), ctx.float([Math.sqrt(2 / Math.PI)])]),
        ]);
  return [ctx.node('Mul', [ctx.node('Mul', [x, ctx.float([0.5])]), ctx.node('Add', [inner, ctx.float([1])])])];
}

function linear(ctx: KernelEmitContext): string[] {
  const y = ctx.node('MatMul', [ctx.input('x'), ctx.node('Transpose', [ctx.input('weight')], { perm: [1, 0] })]);
  return [ctx.tensors.bias ? ctx.node('Add', [y, ctx.input('bias')]) : y];
}

function attention(ctx: KernelEmitContext): string[] {
  const q = ctx.tensors.query;
  const k = ctx.tensors.key;
  if (!q || !k) return ctx.fail('missing kernel input query or key');
  const [l, e] = [q.shape[2]!, q.shape[3]!];
  const s = k.shape[2]!;
  const scale = ctx.attrs.scale == null ? 1 / Math.sqrt(e) : Number(ctx.attrs.scale);
  const keyT = ctx.node('Transpose', [ctx.input('key')], { perm: [0, 1, 3, 2] });
  let scores = ctx.node('Mul', [ctx.node('MatMul', [ctx.input('query'), keyT]), ctx.float([scale])]);
  if (ctx.attrs.isCausal === true) {
    const mask = new Array<number>(l * s).fill(0);
    for (let i = 0; i < l; i++) for (let j = i + 1; j < s; j++) mask[i * s + j] = -Infinity;
    scores = ctx.node('Add', [scores, ctx.float(mask, [l, s])]);
  }
  const out = ctx.node('MatMul', [ctx.node('Softmax', [scores], { axis: 3 }), ctx.input('value')]);
  return [out, ctx.node('ReduceLogSumExp', [scores], { axes: [3], keepdims: 0 })];
}

/** Emitters of the fused kernels (see the file comment). */
export const FUSED_KERNELS: Record<string, KernelEmitter> = {
  [GELU]: gelu,
  [LINEAR]: linear,
  [SCALED_DOT_PRODUCT_ATTENTION]: attention,
};
