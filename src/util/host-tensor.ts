/**
 * A tensor held in plain JS memory: the currency of state_dicts, safetensors files and the Python bridge.
 * Shapes and layouts are PyTorch's.
 */
/** The dtypes a host tensor may have (PyTorch's names). */
export type HostDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

/** The typed array behind a host tensor. */
export type HostData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** A tensor in plain JS memory (a state_dict entry): dtype, PyTorch shape and row-major data. */
export interface HostTensor {
  /** The element type. */
  dtype: HostDtype;
  /** The shape, PyTorch's. */
  shape: number[];
  /** Row-major values. */
  data: HostData;
}

/** The number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A HostTensor, checking that `data` fills `shape`. */
export function hostTensor(dtype: HostDtype, shape: number[], data: HostData): HostTensor {
  if (numel(shape) !== data.length) {
    throw new Error(`hostTensor: shape [${shape.join(', ')}] holds ${numel(shape)} values but data has ${data.length}`);
  }
  return { dtype, shape, data };
}

/** A shape as '[a, b, c]' for messages. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A state_dict: key -> host tensor, in PyTorch's key order. */
export type StateDict = Map<string, HostTensor>;
