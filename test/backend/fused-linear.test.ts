/**
 * The fused Linear (_FusedMatMul: product + bias + ReLU; twinml's SIMD GEMM on wasm) and twinml's _FusedMatMul
 * gradient, against the unfused computation (matMul, add, relu and tfjs's own gradients) on the cpu backend:
 * shapes the SIMD GEMM covers (M % 4 == 0; N % 8 != 0 through its padded last panel) and shapes it leaves to
 * the fallback (M % 4 != 0), every transpose
 * combination, with and without bias (on wasm the weight and bias gradients come from TwinmlDenseGrad: SIMD for
 * in_features % 4 == 0, composed otherwise). Then the zoo MLP's training step on wasm: which kernels it runs,
 * no leaks. On torch (when its addon is built) the same cases run through addmm and an in-place ReLU.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../../src/backend/index.js';
import { DENSE_GRAD, FUSED_MATMUL, registerFusedMatMulGradient } from '../../src/backend/fused-matmul-grad.js';
import { fusesLinear } from '../../src/backend/linear-product.js';
import { MLP } from '../../src/models/mlp/index.js';
import { Linear } from '../../src/nn/linear.js';
import { manualSeed } from '../../src/nn/generator.js';
import { backward } from '../../src/train/backward.js';
import { CrossEntropyLoss } from '../../src/nn/loss/index.js';
import { Adam } from '../../src/train/optim/adam.js';
import { Rng } from '../../src/util/rng.js';
import { onBackend, randomHost, relativeError } from './helpers.js';
import { torchAvailable } from './torch-helpers.js';

/** Backends whose _FusedMatMul is twinml's: wasm, and torch when its addon is built (addmm + in-place ReLU). */
const FUSING: BackendName[] = torchAvailable ? ['wasm', 'torch'] : ['wasm'];

interface Case {
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
  bias: boolean;
  activation: 'linear' | 'relu';
}

/** [y, dA, dB, dBias?] of sum(y * cotangent) for y = activation(op(a)·op(b) + bias), fused or not. */
function run(c: Case, fused: boolean): tf.Tensor[] {
  registerFusedMatMulGradient();
  const rng = new Rng(c.m * 7919 + c.k * 104729 + c.n * 31 + (c.transposeA ? 1 : 0) + (c.transposeB ? 2 : 0));
  const aShape: [number, number] = c.transposeA ? [c.k, c.m] : [c.m, c.k];
  const bShape: [number, number] = c.transposeB ? [c.n, c.k] : [c.k, c.n];
  const a = tf.tensor2d(randomHost(rng, aShape), aShape);
  const b = tf.tensor2d(randomHost(rng, bShape), bShape);
  const bias = tf.tensor1d(randomHost(rng, [c.n]));
  const cotangent = tf.tensor2d(randomHost(rng, [c.m, c.n]), [c.m, c.n]);
  const attrs = { transposeA: c.transposeA, transposeB: c.transposeB, activation: c.activation, leakyreluAlpha: 0 };
  const forward = (...xs: tf.Tensor[]): tf.Tensor => {
    const [x, w, beta] = xs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
    if (fused) {
      const inputs: tf.NamedTensorMap = beta ? { a: x, b: w, bias: beta } : { a: x, b: w };
      return tf.engine().runKernel(FUSED_MATMUL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    }
    let y: tf.Tensor = tf.matMul(x, w, c.transposeA, c.transposeB);
    if (beta) y = tf.add(y, beta);
    return c.activation === 'relu' ? tf.relu(y) : y;
  };
  const args = c.bias ? [a, b, bias] : [a, b];
  const y = forward(...args);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(forward(...xs), cotangent)))(args);
  return [y, ...grads];
}

const shapes: Array<[number, number, number]> = [
  [8, 24, 16], // SIMD GEMM
  [64, 784, 256], // the zoo MLP's first layer
  [6, 9, 10], // fallback: M % 4
  [12, 7, 10], // SIMD, last 2 columns lane by lane (bias, ReLU scalar)
  [4, 5, 3], // SIMD, N < 8
  [12, 8, 10], // SIMD forward and TwinmlDenseGrad (in_features % 4 == 0), last 2 columns lane by lane
  [8, 4, 3], // the same with N < 8
  [5, 13, 8], // fallback: M % 4
];
const transposes = [[false, false], [true, false], [false, true], [true, true]] as const;

describe('fused Linear (_FusedMatMul) matches unfused matMul + add + relu on cpu', () => {
  for (const backend of [...FUSING, 'cpu'] as BackendName[]) {
    for (const [m, k, n] of shapes) {
      for (const [transposeA, transposeB] of transposes) {
        for (const [bias, activation] of [[true, 'relu'], [true, 'linear'], [false, 'relu']] as const) {
          const c: Case = { m, k, n, transposeA, transposeB, bias, activation };
          it(`${backend}: ${m}x${k}x${n} tA=${transposeA} tB=${transposeB} bias=${bias} ${activation}`, async () => {
            const want = await onBackend('cpu', () => run(c, false));
            const got = await onBackend(backend, () => run(c, true));
            expect(got.length).toBe(want.length);
            want.forEach((w, i) => {
              const label = ['y', 'dA', 'dB', 'dBias'][i];
              // Sums of k products of values in [-1, 1): float32 rounding grows like sqrt(k) * eps.
              expect(relativeError(got[i]!, w), `${label}`).toBeLessThanOrEqual(1e-5);
            });
          });
        }
      }
    }
  }

  it('computes the input gradient only when the backward pass needs it', async () => {
    await useBackend('wasm');
    registerFusedMatMulGradient();
    const x = tf.randomUniform([8, 24], -1, 1) as tf.Tensor2D;
    const w = tf.variable(tf.randomUniform([24, 16], -1, 1));
    const bias = tf.variable(tf.randomUniform([16], -1, 1));
    const attrs = { transposeA: false, transposeB: false, activation: 'relu', leakyreluAlpha: 0 } as unknown as tf.NamedAttrMap;
    const loss = () => tf.sum(tf.engine().runKernel(FUSED_MATMUL, { a: x, b: w, bias }, attrs) as tf.Tensor) as tf.Scalar;
    const profile = await tf.profile(() => tf.dispose(tf.variableGrads(loss, [w, bias]).grads));
    const names = profile.kernels.map((k) => k.name);
    // dW, dBias and the ReLU mask in one kernel; no BatchMatMul for dX.
    expect(names.filter((n) => n === DENSE_GRAD)).toHaveLength(1);
    expect(names).not.toContain('BatchMatMul');
    expect(names).not.toContain('TwinmlReluBackward');
    tf.dispose([x, w, bias]);
  });
});

describe('fused Linear gradients asked for in part', () => {
  it('leaks no tensors with no bias or when only the input gradient is taken (wasm, torch and cpu)', async () => {
    for (const backend of [...FUSING, 'cpu'] as BackendName[]) {
      await useBackend(backend);
      manualSeed(4);
      const noBias = new Linear(8, 16, { bias: false });
      const withBias = new Linear(8, 16);
      const x = tf.variable(tf.randomUniform([8, 8], -1, 1));
      const run = () => {
        const a = tf.variableGrads(() => tf.sum(noBias.forwardFused(x, 'relu')) as tf.Scalar, [noBias.weight.variable]);
        const b = tf.variableGrads(() => tf.sum(withBias.forwardFused(x, 'relu')) as tf.Scalar, [x]);
        tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
      };
      run();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) run();
      expect(tf.memory().numTensors, backend).toBe(before);
      noBias.dispose();
      withBias.dispose();
      x.dispose();
    }
  });
});

describe('zoo MLP training on wasm with fused Linear + ReLU', () => {
  const config = { inFeatures: 784, hidden: [256, 128], numClasses: 10, dropout: 0 };

  function setup() {
    manualSeed(3);
    const model = new MLP(config);
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const loss = new CrossEntropyLoss();
    const rng = new Rng(5);
    const x = tf.tensor2d(randomHost(rng, [64, 784]), [64, 784]);
    const y = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 10), 'int32');
    const step = () => {
      model.zeroGrad();
      const value = backward(() => loss.call(model.call(x), y) as tf.Scalar, model.parameters());
      optimizer.step();
      value.dispose();
    };
    const dispose = () => {
      model.zeroGrad();
      optimizer.disposeState();
      model.dispose();
      tf.dispose([x, y]);
    };
    return { model, x, step, dispose };
  }

  it('runs one _FusedMatMul per Linear and no separate Add or Relu', async () => {
    await useBackend('wasm');
    expect(fusesLinear()).toBe(true);
    const { step, dispose } = setup();
    step();
    const names = (await tf.profile(step)).kernels.map((k) => k.name);
    dispose();
    expect(names.filter((n) => n === FUSED_MATMUL)).toHaveLength(3);
    expect(names).not.toContain('Add');
    expect(names).not.toContain('Relu');
    // The [out, in] weights are read in place by the GEMMs (transposeB forward, transposeA for dW = gᵀ·x): no copies.
    expect(names).not.toContain('Transpose');
    expect(names.filter((n) => n === 'TwinmlReluBackward')).toHaveLength(2); // the two fused ReLUs' masks
    expect(names.filter((n) => n === 'BatchMatMul')).toHaveLength(5); // 3 weight gradients, input gradients of layers 2 and 3
    expect(names.filter((n) => n === 'Sum')).toHaveLength(4); // 3 bias gradients (column sums), the loss's mean
  });

  it('leaks no tensors over training steps', async () => {
    await useBackend('wasm');
    const { step, dispose } = setup();
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it('gives the same logits in training mode (fused) as in eval mode (module by module)', async () => {
    for (const backend of ['wasm', 'cpu'] as BackendName[]) {
      await useBackend(backend);
      const { model, x, dispose } = setup();
      model.train();
      const fused = model.call(x);
      model.eval();
      const plain = model.call(x);
      expect(relativeError(fused.dataSync() as Float32Array, plain.dataSync() as Float32Array), backend).toBeLessThanOrEqual(1e-6);
      tf.dispose([fused, plain]);
      dispose();
    }
  });
});
