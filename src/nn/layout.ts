/** NCHW (PyTorch's layout at module boundaries) <-> NHWC (what tfjs's convolution and pooling kernels take). */
import * as tf from '@tensorflow/tfjs-core';

export function toNHWC(x: tf.Tensor): tf.Tensor4D {
  return tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
}

export function toNCHW(x: tf.Tensor): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;
}

/** Expands an int or [h, w] pair to [h, w], checking it is a positive (or non-negative) integer pair. */
export function pair(value: number | readonly [number, number], what: string, min = 1): [number, number] {
  const p: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  if (p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < min)) {
    throw new Error(`${what} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(value)}`);
  }
  return p;
}

/** Checks a module input is 4-D NCHW with the expected channel count. */
export function assertNCHW(x: tf.Tensor, module: string, channels?: number): void {
  if (x.rank !== 4) throw new Error(`${module}: expected a 4-D input (N, C, H, W), got shape [${x.shape.join(', ')}]`);
  if (channels !== undefined && x.shape[1] !== channels) {
    throw new Error(`${module}: expected ${channels} input channels, got shape [${x.shape.join(', ')}]`);
  }
}
