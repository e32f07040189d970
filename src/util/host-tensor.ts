/**
 * A tensor held in plain JS memory: the currency of state_dicts, safetensors files and the Python bridge.
 * Shapes and layouts are PyTorch's.
 */
export type HostDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

export type HostData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface HostTensor {
  dtype: HostDtype;
  shape: number[];
  data: HostData;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function hostTensor(dtype: HostDtype, shape: number[], data: HostData): HostTensor {
  if (numel(shape) !== data.length) {
    throw new Error(`hostTensor: shape [${shape.join(', ')}] holds ${numel(shape)} values but data has ${data.length}`);
  }
  return { dtype, shape, data };
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export type StateDict = Map<string, HostTensor>;
