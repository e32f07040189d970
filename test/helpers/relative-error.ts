/** A numeric comparison helper with no imports (usable from tests of src/ and of dist/). */
/**
 * max |a-b| / max(max|b|, 1): the error of a against reference b, relative to the reference's scale (values are
 * sums of O(1) random products, so a scale below 1 means cancellation, and the bound becomes absolute).
 */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1);
}
