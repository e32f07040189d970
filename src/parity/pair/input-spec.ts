/** Input specifications of `twinml parity --input` / `twinml export --input`: `2x1x28x28[:float32|int64]`. */

/** A model input: its shape and dtype (int64 inputs are class or token indices in [0, high)). */
export interface InputSpec {
  shape: number[];
  dtype: 'float32' | 'int64';
}

/**
 * Parses `2x1x28x28`, `2x1x28x28:float32` or `4x16:int64`.
 * @param text - the specification
 * @param what - the option it came from, for errors
 */
export function parseInputSpec(text: string, what = '--input'): InputSpec {
  const [dims = '', dtype = 'float32', ...rest] = text.trim().split(':');
  if (rest.length > 0 || (dtype !== 'float32' && dtype !== 'int64')) {
    throw new Error(`${what} ${JSON.stringify(text)}: expected DxDx...[:float32|int64], e.g. 2x1x28x28 or 4x16:int64`);
  }
  const shape = dims.split('x').map((d) => Number(d));
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${what} ${JSON.stringify(text)}: every dimension must be a positive integer (e.g. 2x1x28x28)`);
  }
  return { shape, dtype };
}
