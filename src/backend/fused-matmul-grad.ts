/**
 * A gradient for tfjs's _FusedMatMul kernel (matmul + bias + activation in one kernel; twinml's SIMD GEMM on
 * wasm), which tfjs itself only differentiates through `tf.fused.matMul`'s customGrad. Registered per kernel,
 * each input's gradient is computed only when the backward pass needs it (a network's first layer needs no
 * input gradient). Where the backend has `TwinmlDenseGrad` (wasm), one kernel gives the weight and bias
 * gradients and the ReLU-masked dy the input gradient reuses; elsewhere ReLU's mask runs once (one
 * `TwinmlReluBackward` kernel where the backend has it) and the bias gradient is a sum over the rows. Supports
 * the 'linear' and 'relu' activations, a bias of shape [N] (the only one tfjs-wasm's kernel takes) and operands
 * whose batch dimensions are equal (no broadcasting).
 */
import * as tf from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { fusedActivation, reluBackward } from './relu-backward.js';

/** The kernel's name in tfjs-core. */
export const FUSED_MATMUL = '_FusedMatMul';

/**
 * Kernel giving a Linear layer's weight and bias gradients in one pass (inputs {x [M, K], dy [M, N], y [M, N]
 * with attr relu}; outputs [dW [K, N], dBias [N]] and, with relu, the masked dy): registered for wasm
 * (src/backend/wasm/dense-grad.ts).
 */
export const DENSE_GRAD = 'TwinmlDenseGrad';

interface FusedMatMulAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
}

const matMul = (a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor =>
  tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA, transposeB }) as tf.Tensor;

/** dA and dB of C = op(A)·op(B) given dC (tfjs's BatchMatMul gradient, for every transpose combination). */
function matMulGrads(a: tf.Tensor, b: tf.Tensor, g: tf.Tensor, tA: boolean, tB: boolean): { a: () => tf.Tensor; b: () => tf.Tensor } {
  if (!tA && !tB) return { a: () => matMul(g, b, false, true), b: () => matMul(a, g, true, false) };
  if (!tA && tB) return { a: () => matMul(g, b, false, false), b: () => matMul(g, a, true, false) };
  if (tA && !tB) return { a: () => matMul(b, g, false, true), b: () => matMul(a, g, false, false) };
  return { a: () => matMul(b, g, true, true), b: () => matMul(g, a, true, true) };
}

/** The gradient of a bias [N]: g [.., N] summed over every axis but the last. */
const biasGrad = (g: tf.Tensor): tf.Tensor => tf.sum(g, [...Array(g.rank - 1).keys()]);

let registered = false;

/** Registers the _FusedMatMul gradient (idempotent). */
export function registerFusedMatMulGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: FUSED_MATMUL,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const options = attrs as unknown as FusedMatMulAttrs;
      const activation = fusedActivation(options.activation, FUSED_MATMUL);
      if (!util.arraysEqual(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
        throw new Error(`twinml _FusedMatMul gradient: a [${a.shape.join(', ')}] and b [${b.shape.join(', ')}] must have equal batch dimensions`);
      }
      const relu = activation === 'relu';
      const tA = options.transposeA ?? false;
      const tB = options.transposeB ?? false;
      if (!tA && !tB && a.rank === 2 && tf.getKernel(DENSE_GRAD, tf.getBackend())) {
        // Weight and bias gradients (and the masked dy) in one kernel, which the input gradient reuses.
        const inputs: tf.NamedTensorMap = relu ? { x: a, dy: dy as tf.Tensor, y } : { x: a, dy: dy as tf.Tensor };
        const [dW, dBias, masked] = tf.engine().runKernel(DENSE_GRAD, inputs, { relu }) as tf.Tensor[];
        const g = masked ?? (dy as tf.Tensor);
        return { a: () => matMul(g, b, false, true), b: () => dW!, bias: () => dBias! };
      }
      const g = relu ? reluBackward(dy as tf.Tensor, y) : (dy as tf.Tensor);
      const grads: Record<string, () => tf.Tensor> = matMulGrads(a, b, g, tA, tB);
      // Asked for only when the kernel had a bias input.
      grads['bias'] = () => biasGrad(g);
      return grads;
    },
  });
}
