/** Conversions between tfjs tensors and host tensors (PyTorch dtypes). */
import * as tf from '@tensorflow/tfjs-core';
import type { HostDtype, HostTensor } from '../util/host-tensor.js';

/**
 * Copies a tensor to host memory (for safetensors and state_dicts).
 * @param t - the tensor (not disposed)
 * @param dtype - the host dtype (default: int32 for int32 tensors, else float32; 'int64' for PyTorch class targets)
 */
export function toHost(t: tf.Tensor, dtype: HostDtype = t.dtype === 'int32' ? 'int32' : 'float32'): HostTensor {
  const values = t.dataSync();
  const shape = [...t.shape];
  switch (dtype) {
    case 'float32':
      return { dtype, shape, data: Float32Array.from(values as ArrayLike<number>) };
    case 'float64':
      return { dtype, shape, data: Float64Array.from(values as ArrayLike<number>) };
    case 'int64':
      return { dtype, shape, data: BigInt64Array.from(Array.from(values as ArrayLike<number>, (v) => BigInt(Math.round(v)))) };
    case 'int32':
      return { dtype, shape, data: Int32Array.from(values as ArrayLike<number>) };
    case 'uint8':
    case 'bool':
      return { dtype, shape, data: Uint8Array.from(values as ArrayLike<number>) };
  }
}

/** A tfjs tensor from a host tensor (int64 becomes int32, float64 float32). */
export function fromHost(h: HostTensor): tf.Tensor {
  switch (h.dtype) {
    case 'float32':
      return tf.tensor(h.data as Float32Array, h.shape, 'float32');
    case 'float64':
      return tf.tensor(Float32Array.from(h.data as Float64Array), h.shape, 'float32');
    case 'int64':
      return tf.tensor(Int32Array.from(h.data as BigInt64Array, (v) => Number(v)), h.shape, 'int32');
    case 'int32':
      return tf.tensor(h.data as Int32Array, h.shape, 'int32');
    case 'uint8':
      return tf.tensor(Int32Array.from(h.data as Uint8Array), h.shape, 'int32');
    case 'bool':
      return tf.tensor(h.data as Uint8Array, h.shape, 'bool');
  }
}
