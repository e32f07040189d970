/**
 * Names and contracts of twinml's Linear kernels (issue 17): F.linear and nn.Linear without a fused activation run
 * `TwinmlLinear` on any-rank input where the active backend registers both kernels (torch: at::linear), so a
 * Linear on [batch, tokens, features] costs one kernel instead of Reshape, _FusedMatMul, Reshape and the clones
 * tfjs saves for each of their gradients. Elsewhere the product is composed (src/nn/linear-functional.ts).
 *   - TwinmlLinear: inputs { x [..., in], weight [out, in], bias? [out] }, no attrs; one output x·weightᵀ + bias,
 *     [..., out], float32;
 *   - TwinmlLinearGrad: inputs { dy [..., out] } plus { weight } for part 'input' or { x } for part 'weight',
 *     attrs { part: 'input' | 'weight' | 'bias' }; one output: dx = dy·weight ([..., in]), dweight = Σ dyᵀ·x over
 *     every leading axis ([out, in], PyTorch's layout) or dbias = Σ dy over every leading axis ([out]).
 */
export const LINEAR = 'TwinmlLinear';
export const LINEAR_GRAD = 'TwinmlLinearGrad';

/** Which gradient a TwinmlLinearGrad call computes. */
export type LinearGradPart = 'input' | 'weight' | 'bias';
