/** Python's spelling of values, so that extraRepr() prints exactly what PyTorch's extra_repr does. */

/**
 * `repr(float(x))` in Python: shortest round-trip digits like JavaScript, but '1.0' for integral values and
 * exponents with a sign and at least two digits ('1e-05', '1e+16') below 1e-4 and from 1e16 on.
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** Python's True/False. */
export function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}
