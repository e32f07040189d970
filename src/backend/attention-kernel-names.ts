/**
 * Names and signatures of twinml's fused attention kernels (issue 17). F.scaled_dot_product_attention (and every
 * caller of attentionCore) runs `TwinmlScaledDotProductAttention` when the active backend registers it and the call
 * is one the kernel expresses exactly (src/backend/fused-attention.ts: rank 4, float32, no attn_mask, no dropout,
 * no weights kept, a causal mask only for square scores); otherwise it composes tfjs ops (cpu stays the reference):
 *   - TwinmlScaledDotProductAttention: inputs { query [B, H, L, E], key [B, H, S, E], value [B, H, S, E] },
 *     attrs { isCausal: boolean, scale: number | null (null: 1/sqrt(E)) }; outputs [out [B, H, L, E],
 *     logsumexp [B, H, L]] (logsumexp of the scaled, masked scores per query row, saved for the gradient);
 *   - TwinmlScaledDotProductAttentionGrad: inputs { dy, query, key, value, out, logsumexp }, the same attrs;
 *     outputs [dquery, dkey, dvalue].
 */
export const SCALED_DOT_PRODUCT_ATTENTION = 'TwinmlScaledDotProductAttention';
export const SCALED_DOT_PRODUCT_ATTENTION_GRAD = 'TwinmlScaledDotProductAttentionGrad';

/** Attributes of both attention kernels. */
export interface ScaledDotProductAttentionAttrs {
  /** The top-left aligned causal mask (query i sees keys 0..i). */
  isCausal: boolean;
  /** Scale of q·kᵀ; null means 1/sqrt(E) as torch computes it. */
  scale: number | null;
}
