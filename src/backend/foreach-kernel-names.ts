/**
 * Names and signatures of twinml's multi-tensor ("foreach") kernels (issue 17), which clip_grad_norm_ runs when the
 * active backend registers them (one kernel call for every gradient instead of a few per gradient), and otherwise
 * composes tfjs ops per tensor (the cpu backend stays the reference):
 *   - TwinmlForeachNorm: inputs { '0': t0, '1': t1, ... } (float32, any shapes), attrs { ord: number } (> 0 or
 *     Infinity); outputs one scalar per input, the vector norm of order `ord` of that tensor's elements
 *     (torch._foreach_norm);
 *   - TwinmlForeachMul: inputs { '0': t0, ..., scale } (scale a float32 scalar); outputs one tensor per input,
 *     tᵢ · scale (torch._foreach_mul).
 */
export const FOREACH_NORM = 'TwinmlForeachNorm';
export const FOREACH_MUL = 'TwinmlForeachMul';

/** The numbered inputs '0'..'n-1' of a foreach kernel call. */
export function numberedInputs<T>(tensors: readonly T[]): Record<string, T> {
  const inputs: Record<string, T> = {};
  tensors.forEach((t, i) => {
    inputs[String(i)] = t;
  });
  return inputs;
}
