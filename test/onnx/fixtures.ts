/** Test models for the ONNX exporter: the zoo shapes (Adaline, MLP) and custom forwards over tf ops. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadModel } from '../../src/inference/index.js';
import { Flatten, Linear, Module, ReLU, Sequential, Tanh, Sigmoid, Dropout } from '../../src/nn/index.js';

/** Mirrors the zoo Adaline: linear(flatten(x)). */
export class AdalineLike extends Module {
  flatten = new Flatten();
  linear = new Linear(784, 1);
  forward(x: tf.Tensor): tf.Tensor {
    return this.linear.call(this.flatten.call(x));
  }
}

/** Mirrors the zoo MLP: net = Sequential(Flatten, Linear, ReLU, Linear, ReLU, Linear). */
export class MlpLike extends Module {
  net = new Sequential(new Flatten(), new Linear(784, 32), new ReLU(), new Linear(32, 16), new ReLU(), new Linear(16, 10));
  forward(x: tf.Tensor): tf.Tensor {
    return this.net.call(x);
  }
}

/**
 * A custom forward over tf ops: GELU written out (erf), residual add, concat, mul, reshape, transpose, matmul with a
 * constant, mean, sum, broadcasting sub. Mirrored in parity-tests/onnx/custom_models.py.
 */
export class ResidualConcat extends Module {
  flatten = new Flatten();
  stem = new Linear(3 * 5 * 4, 12);
  block = new Sequential(new Linear(12, 12), new Tanh(), new Dropout(0.3));
  gate = new Sigmoid();
  forward(x: tf.Tensor): tf.Tensor {
    const s = this.stem.call(this.flatten.call(x));
    // GELU (exact) written out with tf ops: 0.5 * s * (1 + erf(s / sqrt(2))).
    const h = tf.mul(tf.mul(s, 0.5), tf.add(1, tf.erf(tf.div(s, Math.SQRT2))));
    const r = tf.add(h, this.block.call(h));
    const c = tf.concat([r, tf.mul(this.gate.call(h), tf.scalar(0.5))], 1);
    const t = tf.transpose(tf.reshape(c, [-1, 4, 6]), [0, 2, 1]);
    const m = tf.matMul(t, tf.ones([4, 3]));
    return tf.sub(tf.mean(m, 1, true), tf.relu(tf.sum(m, 2, true)));
  }
}

/** Runs ONNX bytes in onnxruntime-node (through the inference library) on one float32 input. */
export async function runOrt(bytes: Uint8Array, input: tf.Tensor, inputName = 'input', outputName = 'output'): Promise<{ data: Float32Array; dims: number[] }> {
  const model = await loadModel(bytes, { workers: 0 });
  try {
    const result = await model.predict({ [inputName]: { data: input.dataSync() as Float32Array, shape: [...input.shape] } });
    const out = result[outputName];
    if (!out) throw new Error(`no output ${outputName}`);
    return { data: out.data as Float32Array, dims: [...out.shape] };
  } finally {
    await model.close();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}
