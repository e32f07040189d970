/**
 * A gradient for tfjs's _FusedMatMul kernel (matmul + bias + activation in one kernel; twinml's SIMD GEMM on
 * wasm), which tfjs itself only differentiates through `tf.fused.matMul`'s customGrad. Registered per kernel,
 * each input's gradient is computed only when the backward pass needs it (a network's first layer needs no
 * input gradient). ReLU's mask runs once, as one kernel (`TwinmlReluBackward`) where the backend has it; the
 * bias gradient is a sum over the rows (the wasm Sum's SIMD column sum) straight to the bias shape. Supports
 * the 'linear' and 'relu' activations, a bias of shape [N] (the only one tfjs-wasm's kernel takes) and operands
 * whose batch dimensions are equal (no broadcasting).
 */
import * as tf from '@tensorflow/tfjs-core';
import { reluBackward } from './relu-backward.js';

/** The kernel's name in tfjs-core. */
export const FUSED_MATMUL = '_FusedMatMul';

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

const { util } = tf;

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
      const a_ = attrs as unknown as FusedMatMulAttrs;
      const activation = a_.activation ?? 'linear';
      if (activation !== 'linear' && activation !== 'relu') {
        throw new Error(`twinml _FusedMatMul gradient: activation '${activation}' is not supported; use 'linear' or 'relu'`);
      }
      if (!util.arraysEqual(a.shape.slice(0, -2), b.shape.slice(0, -2))) {
        throw new Error(`twinml _FusedMatMul gradient: a [${a.shape.join(', ')}] and b [${b.shape.join(', ')}] must have equal batch dimensions`);
      }
      const g = activation === 'relu' ? reluBackward(dy as tf.Tensor, y) : (dy as tf.Tensor);
      const grads: Record<string, () => tf.Tensor> = matMulGrads(a, b, g, a_.transposeA ?? false, a_.transposeB ?? false);
      // Asked for only when the kernel had a bias input.
      grads['bias'] = () => biasGrad(g);
      return grads;
    },
  });
}
