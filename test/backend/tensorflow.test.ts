/**
 * The `tensorflow` backend (tfjs-node's addon built by `npm run setup:tensorflow` against the tensorflow-cpu wheel)
 * computes what the `cpu` backend computes: an MLP's forward pass, every parameter gradient, and a 30-step Adam
 * training trajectory (loss per step and final weights), with no tensor leak per step; and the forward and backward
 * of the conv-net kernels the vision zoo uses (conv2d, depthwiseConv2d, pooling, batch statistics, GELU via erf, ...),
 * with SAME and with PyTorch-style explicit padding (src/backend/tensorflow/explicit-padding.ts).
 * Skipped, with the reason in its title, when the addon is not built.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { backend_util } from '@tensorflow/tfjs-core';
import { probeBackends, useBackend, type BackendName } from '../../src/backend/index.js';
import { Linear, ReLU, Sequential, manualSeed } from '../../src/nn/index.js';
import { backward } from '../../src/train/backward.js';
import { Adam } from '../../src/train/optim/index.js';
import { CrossEntropyLoss } from '../../src/nn/loss/index.js';
import { Rng } from '../../src/util/rng.js';

const tensorflow = (await probeBackends()).find((s) => s.name === 'tensorflow');
const available = tensorflow?.available === true;
const title = available
  ? `tensorflow backend (${tensorflow?.detail}) vs cpu`
  : `tensorflow backend SKIPPED: not built (${tensorflow?.reason}); run npm run setup:tensorflow`;
if (!available) console.warn(title);

const SEED = 1234;
const BATCH = 37;
const IN_FEATURES = 23;
const HIDDEN = [64, 31];
const CLASSES = 5;

/** A fixed, seeded classification problem: class = argmax of a random linear map of the input. */
function problem(): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(SEED);
  const x = new Float32Array(BATCH * IN_FEATURES).map(() => rng.normal());
  const w = new Float32Array(IN_FEATURES * CLASSES).map(() => rng.normal());
  const y = new Int32Array(BATCH);
  for (let n = 0; n < BATCH; n++) {
    let best = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      let z = 0;
      for (let i = 0; i < IN_FEATURES; i++) z += x[n * IN_FEATURES + i] * w[i * CLASSES + c];
      if (z > best) {
        best = z;
        y[n] = c;
      }
    }
  }
  return { x, y };
}

function mlp(): Sequential {
  manualSeed(SEED);
  const layers = [];
  let previous = IN_FEATURES;
  for (const width of HIDDEN) {
    layers.push(new Linear(previous, width), new ReLU());
    previous = width;
  }
  layers.push(new Linear(previous, CLASSES));
  return new Sequential(...layers);
}

interface Run {
  logits: Float32Array;
  grads: Map<string, Float32Array>;
  losses: number[];
  weights: Map<string, Float32Array>;
  tensorsPerStep: number[];
}

/** Forward + gradients once, then 30 Adam steps, all on `backend`; returns host copies. */
async function run(backend: BackendName): Promise<Run> {
  await useBackend(backend);
  const { x: xHost, y: yHost } = problem();
  const x = tf.tensor2d(xHost, [BATCH, IN_FEATURES]);
  const y = tf.tensor1d(yHost, 'int32');
  const model = mlp();
  const lossFn = new CrossEntropyLoss();
  const logitsTensor = model.call(x);
  const logits = logitsTensor.dataSync() as Float32Array;
  logitsTensor.dispose();
  backward(() => lossFn.call(model.call(x), y) as tf.Scalar, model.parameters()).dispose();
  const grads = new Map(model.namedParameters().map(([name, p]) => [name, p.grad?.dataSync() as Float32Array]));
  model.zeroGrad();

  const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  const tensorsPerStep: number[] = [];
  for (let step = 0; step < 30; step++) {
    optimizer.zeroGrad();
    const loss = backward(() => lossFn.call(model.call(x), y) as tf.Scalar, model.parameters());
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    optimizer.step();
    tensorsPerStep.push(tf.memory().numTensors);
  }
  const weights = new Map(model.namedParameters().map(([name, p]) => [name, p.variable.dataSync() as Float32Array]));
  optimizer.disposeState();
  model.dispose();
  tf.dispose([x, y]);
  return { logits, grads, losses, weights, tensorsPerStep };
}

/**
 * A conv block in the vision zoo's style on NCHW input [3, 4, 10, 10]: transpose to NHWC, pad, conv2d stride 2,
 * batch statistics (moments + rsqrt), GELU (erf), depthwiseConv2d, maxPool and avgPool, leakyRelu, logSoftmax.
 * `explicit` uses PyTorch-style asymmetric explicit padding for the convolutions and the max pool (the kernels
 * twinml replaces in tfjs-node), `same` tfjs's SAME padding (tfjs-node's own kernels).
 * Returns the output and the gradients of sum(output * cotangent) for the input and both filters, on the current backend.
 */
function convNetForwardAndGrads(padding: 'same' | 'explicit'): Float32Array[] {
  const rng = new Rng(SEED + 1);
  const random = (shape: number[]) => tf.tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.normal()), shape);
  const pads = (top: number, bottom: number, left: number, right: number): 'same' | backend_util.ExplicitPadding =>
    padding === 'same' ? 'same' : [[0, 0], [top, bottom], [left, right], [0, 0]];
  return tf.tidy(() => {
    const x = random([3, 4, 10, 10]);
    const convW = random([3, 3, 4, 6]);
    const depthW = random([3, 3, 6, 1]);
    const forward = (input: tf.Tensor, w: tf.Tensor, dw: tf.Tensor): tf.Tensor => {
      let h = tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D;
      h = tf.pad(h, [[0, 0], [1, 0], [0, 1], [0, 0]]);
      h = tf.conv2d(h, w as tf.Tensor4D, 2, pads(1, 0, 2, 1));
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5)));
      h = tf.mul(tf.mul(h, 0.5), tf.add(1, tf.erf(tf.mul(h, Math.SQRT1_2)))); // exact GELU
      h = tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, pads(1, 1, 0, 2));
      const avgInput = padding === 'same' ? h : tf.pad(h, [[0, 0], [1, 0], [0, 1], [0, 0]]); // avg pools count padding, as in src/nn/pooling.ts
      h = tf.add(tf.maxPool(h, 2, 2, pads(1, 0, 0, 1)), tf.avgPool(avgInput, 2, 2, padding === 'same' ? 'same' : 'valid'));
      h = tf.leakyRelu(h, 0.1);
      return tf.logSoftmax(tf.reshape(h, [3, -1]));
    };
    const output = forward(x, convW, depthW);
    const cotangent = random(output.shape);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(forward(a, b, c), cotangent)))([x, convW, depthW]);
    return [output, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

/** Max |a - b| and max |b|, printed with the tensor's name. */
function compare(name: string, a: Float32Array, b: Float32Array): { maxDiff: number; maxRef: number } {
  expect(a.length, name).toBe(b.length);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  console.log(`${name.padEnd(16)} max|tensorflow - cpu| = ${maxDiff.toExponential(2)}  (max|cpu| = ${maxRef.toExponential(2)})`);
  return { maxDiff, maxRef };
}

describe.skipIf(!available)(title, () => {
  let onTensorflow: Run;
  let onCpu: Run;

  afterAll(async () => {
    await useBackend('cpu');
  });

  it('reports the TensorFlow version of the wheel it was built against', () => {
    expect(tensorflow?.detail).toMatch(/@tensorflow\/tfjs-node \d+\.\d+\.\d+, TensorFlow \d+\.\d+\.\d+/);
  });

  it('MLP forward pass and every parameter gradient match the cpu backend', async () => {
    onTensorflow = await run('tensorflow');
    onCpu = await run('cpu');
    // float32 with a different summation order (Eigen vs tfjs-cpu): a few ulps of the largest value.
    const { maxDiff, maxRef } = compare('logits', onTensorflow.logits, onCpu.logits);
    expect(maxDiff).toBeLessThanOrEqual(1e-5 * maxRef);
    expect([...onTensorflow.grads.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    for (const [name, grad] of onCpu.grads) {
      const r = compare(`grad ${name}`, onTensorflow.grads.get(name) as Float32Array, grad);
      expect(r.maxRef, `grad ${name} is not all zero`).toBeGreaterThan(0);
      expect(r.maxDiff, `grad ${name}`).toBeLessThanOrEqual(1e-5 * r.maxRef);
    }
  });

  it('30 Adam steps follow the cpu trajectory: loss every step and final weights', () => {
    onTensorflow.losses.forEach((loss, step) => {
      expect(Math.abs(loss - onCpu.losses[step]), `loss at step ${step}: ${loss} vs ${onCpu.losses[step]}`).toBeLessThanOrEqual(1e-4 * onCpu.losses[step]);
    });
    console.log(`loss step 0 ${onTensorflow.losses[0].toFixed(5)} -> step 29 ${onTensorflow.losses[29].toFixed(5)} (cpu ${onCpu.losses[29].toFixed(5)})`);
    expect(onTensorflow.losses[29]).toBeLessThan(0.25 * onTensorflow.losses[0]);
    for (const [name, w] of onCpu.weights) {
      const r = compare(`weight ${name}`, onTensorflow.weights.get(name) as Float32Array, w);
      expect(r.maxDiff, `weight ${name}`).toBeLessThanOrEqual(1e-4 * Math.max(1, r.maxRef));
    }
  });

  it.each(['same', 'explicit'] as const)('conv-net kernels with %s padding (forward and gradients under a random cotangent) match the cpu backend', async (padding) => {
    const results = new Map<BackendName, Float32Array[]>();
    for (const backend of ['tensorflow', 'cpu'] as const) {
      await useBackend(backend);
      results.set(backend, convNetForwardAndGrads(padding));
    }
    const names = ['output', 'grad x', 'grad conv w', 'grad depthwise w'];
    names.forEach((name, i) => {
      const r = compare(`${padding} ${name}`, (results.get('tensorflow') as Float32Array[])[i], (results.get('cpu') as Float32Array[])[i]);
      expect(r.maxRef, `${name} is not all zero`).toBeGreaterThan(0);
      expect(r.maxDiff, name).toBeLessThanOrEqual(1e-5 * r.maxRef);
    });
  });

  it('a training step leaks no tensors on the tensorflow backend', () => {
    const counts = onTensorflow.tensorsPerStep;
    expect(counts.slice(1)).toEqual(counts.slice(1).map(() => counts[1]));
  });
});
