/**
 * Softmax cross-entropy for class-index targets as one kernel on the wasm heap (the tf-ops CrossEntropyLoss runs
 * about fifty small kernels per call, forward and backward): per sample, in float64 from the float32 logits,
 *   loss_i = logsumexp(x_i) - x_i[y_i]                (0 where y_i == ignoreIndex)
 *   grad_i = softmax(x_i) - onehot(y_i)               (the gradient of loss_i; 0 rows where ignored)
 * and the number of counted samples. src/nn/loss/cross-entropy.ts applies the reduction and dy.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';

/** Inputs: logits [N, C] float32, target [N] int32. Attr: ignoreIndex. Outputs: [loss [N], grad [N, C], count [] ]. */
export { SOFTMAX_CROSS_ENTROPY } from '../kernel-names.js';
import { SOFTMAX_CROSS_ENTROPY } from '../kernel-names.js';

/**
 * @param x - logits, row-major [n, c]
 * @param target - class per row
 * @param ignoreIndex - target value whose rows count for nothing
 * @param loss - out: per-row loss [n]
 * @param grad - out: softmax - onehot [n, c]
 * @returns the number of rows not ignored
 */
export function softmaxCrossEntropy(x: Float32Array, target: Int32Array, ignoreIndex: number, loss: Float32Array, grad: Float32Array): number {
  const n = target.length;
  const c = x.length / n;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const row = i * c;
    const y = target[i]!;
    if (y === ignoreIndex) {
      loss[i] = 0;
      grad.fill(0, row, row + c);
      continue;
    }
    if (!(y >= 0 && y < c)) throw new Error(`CrossEntropyLoss: target ${y} at index ${i} is out of range for ${c} classes (ignore_index ${ignoreIndex})`);
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, x[row + j]!);
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(x[row + j]! - max);
    const logSum = Math.log(sum);
    loss[i] = max + logSum - x[row + y]!;
    for (let j = 0; j < c; j++) grad[row + j] = Math.exp(x[row + j]! - max - logSum) - (j === y ? 1 : 0);
    count++;
  }
  return count;
}

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { logits, target } = inputs as { logits: TensorInfo; target: TensorInfo };
  if (logits.dtype !== 'float32' || target.dtype !== 'int32' || logits.shape.length !== 2 || target.shape[0] !== logits.shape[0]) {
    throw new Error(`${SOFTMAX_CROSS_ENTROPY}: expected float32 logits [N, C] and int32 target [N], got ${logits.dtype} [${logits.shape}] and ${target.dtype} [${target.shape}]`);
  }
  const heap = backend as unknown as HeapBackend;
  const loss = heap.makeOutput([logits.shape[0]!], 'float32');
  const grad = heap.makeOutput(logits.shape, 'float32');
  const count = heap.makeOutput([], 'float32');
  const view = (t: TensorInfo) => heap.typedArrayFromHeap(t);
  const { ignoreIndex } = attrs as unknown as { ignoreIndex: number };
  (view(count) as Float32Array)[0] = softmaxCrossEntropy(view(logits) as Float32Array, view(target) as Int32Array, ignoreIndex, view(loss) as Float32Array, view(grad) as Float32Array);
  return [loss, grad, count];
};

export function softmaxCrossEntropyKernels(backendName = 'wasm'): KernelConfig[] {
  return [{ kernelName: SOFTMAX_CROSS_ENTROPY, backendName, kernelFunc }];
}
