/**
 * softmax(q·kᵀ·scale [+ causal mask])·v as twinml's fused attention kernels (src/backend/attention-kernel-names.ts)
 * where the active backend registers both and the call is one they express exactly; attentionCore (so
 * F.scaled_dot_product_attention, the gpt zoo model, MultiheadAttention without weights) uses it and otherwise
 * composes tfjs ops (the cpu backend stays the reference).
 */
import * as tf from '@tensorflow/tfjs-core';
import { recordingGradients } from './sequence-kernels.js';
import { SCALED_DOT_PRODUCT_ATTENTION, SCALED_DOT_PRODUCT_ATTENTION_GRAD, type ScaledDotProductAttentionAttrs } from './attention-kernel-names.js';

/** Whether the active backend registers the fused attention and its gradient. */
export function hasFusedAttention(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(SCALED_DOT_PRODUCT_ATTENTION, backend) !== undefined && tf.getKernel(SCALED_DOT_PRODUCT_ATTENTION_GRAD, backend) !== undefined;
}

/** Whether the kernels express this call: [B, H, L, E] float32 operands of one batch and head count, L, S > 0, a causal mask only when L = S. */
function expressible(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, isCausal: boolean): boolean {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) return false;
  if (q.dtype !== 'float32' || k.dtype !== 'float32' || v.dtype !== 'float32') return false;
  const [b, h, l, e] = q.shape as [number, number, number, number];
  const s = k.shape[2]!;
  const sameBatch = [k, v].every((t) => t.shape[0] === b && t.shape[1] === h && t.shape[3] === e) && v.shape[2] === s;
  return sameBatch && l > 0 && s > 0 && e > 0 && (!isCausal || l === s);
}

/**
 * The attention output as one kernel (and one kernel for the three gradients), or null when the backend has no
 * fused attention or the call is not one it expresses (the caller then composes tfjs ops). No mask other than the
 * causal one and no dropout: callers with either compose.
 * @param query - [B, H, L, E]
 * @param key - [B, H, S, E]
 * @param value - [B, H, S, E]
 * @param isCausal - the top-left aligned causal mask (only for L = S)
 * @param scale - scale of q·kᵀ, null for 1/sqrt(E)
 */
export function fusedAttention(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, isCausal: boolean, scale: number | null): tf.Tensor | null {
  if (!hasFusedAttention() || !expressible(query, key, value, isCausal)) return null;
  const attrs: ScaledDotProductAttentionAttrs = { isCausal, scale };
  const kernelAttrs = attrs as unknown as tf.NamedAttrMap;
  if (!recordingGradients()) {
    // Forward alone: the logsumexp output is only for the gradient.
    const [out, logsumexp] = tf.engine().runKernel(SCALED_DOT_PRODUCT_ATTENTION, { query, key, value }, kernelAttrs) as tf.Tensor[];
    logsumexp!.dispose();
    return out!;
  }
  const f = tf.customGrad(((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, logsumexp] = tf.engine().runKernel(SCALED_DOT_PRODUCT_ATTENTION, { query: q, key: k, value: v }, kernelAttrs) as tf.Tensor[];
    save([q, k, v, out!, logsumexp!]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sq, sk, sv, sout, slse] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.engine().runKernel(SCALED_DOT_PRODUCT_ATTENTION_GRAD, { dy, query: sq, key: sk, value: sv, out: sout, logsumexp: slse }, kernelAttrs) as tf.Tensor[];
    };
    return { value: out!, gradFunc };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(query, key, value);
}
