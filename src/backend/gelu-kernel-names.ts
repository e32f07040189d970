/**
 * Names and signatures of twinml's fused GELU kernels (issues 16 and 17). F.gelu / nn.GELU run `TwinmlGelu` when
 * the active backend registers it (its gradient is `TwinmlGeluGrad`), and otherwise compose tfjs ops (the cpu
 * backend stays the reference):
 *   - TwinmlGelu: inputs { x }, attrs { approximate: 'none' | 'tanh' }, one output y = gelu(x), x's shape/dtype;
 *   - TwinmlGeluGrad: inputs { dy, x }, attrs { approximate }, one output dx = dy · gelu'(x) (PyTorch's
 *     gelu_backward formula for the chosen approximation).
 */
export const GELU = 'TwinmlGelu';
export const GELU_GRAD = 'TwinmlGeluGrad';
