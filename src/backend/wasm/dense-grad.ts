/**
 * TwinmlDenseGrad for the wasm backend: a Linear layer's weight and bias gradients (and, after a fused ReLU,
 * the masked output gradient) in one kernel. The weight gradient x^T·g runs on twinml's SIMD GEMM, whose
 * packing pass over g also masks it by ReLU's gradient and sums its columns (the bias gradient), so the
 * ReluBackward and Sum kernels (and their passes over g) of the unfused backward disappear. Shapes the GEMM
 * does not cover (in_features % 4 != 0, no SIMD) run ReluBackward, BatchMatMul and Sum.
 */
import { util } from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { DENSE_GRAD } from '../fused-matmul-grad.js';
import { RELU_BACKWARD } from '../relu-backward.js';
import { gemmPackBytes, gemmSimd, repacksTransposedA } from './gemm-simd.js';
import type { HeapBackend } from './max-pool-grad.js';
import { heapOffset } from './simd/simd-kernels.js';
import { KernelComposer } from './kernel-compose.js';
import { backendMemory } from './wasm-emit.js';

/** The same results from the backend's ReluBackward, BatchMatMul and Sum kernels (all of them returned). */
function composed(backend: KernelBackend, x: TensorInfo, dy: TensorInfo, y: TensorInfo | undefined, relu: boolean): TensorInfo[] {
  const c = new KernelComposer(backend, 'wasm');
  const g = relu ? c.run(RELU_BACKWARD, { dy, y: y! }) : dy;
  const dW = c.run('BatchMatMul', { a: x, b: g }, { transposeA: true, transposeB: false });
  const dBias = c.run('Sum', { x: g }, { axis: [0], keepDims: false });
  return relu ? [dW, dBias, g] : [dW, dBias];
}

export const wasmDenseGradConfig: KernelConfig = {
  kernelName: DENSE_GRAD,
  backendName: 'wasm',
  kernelFunc: (({ inputs, backend, attrs }) => {
    const { x, dy, y } = inputs as { x: TensorInfo; dy: TensorInfo; y?: TensorInfo };
    const relu = (attrs as { relu?: boolean } | undefined)?.relu === true;
    if (x.shape.length !== 2 || dy.shape.length !== 2 || x.shape[0] !== dy.shape[0] || (relu && (!y || !util.arraysEqual(y.shape, dy.shape)))) {
      throw new Error(`twinml ${DENSE_GRAD}: expected x [M, K], dy [M, N]${relu ? ' and y [M, N]' : ''}, got x [${x.shape.join(', ')}], dy [${dy.shape.join(', ')}]${y ? `, y [${y.shape.join(', ')}]` : ''}`);
    }
    const [rows, inFeatures] = x.shape as [number, number];
    const outFeatures = dy.shape[1]!;
    const memory = backendMemory(backend);
    const gemm =
      memory && x.dtype === 'float32' && dy.dtype === 'float32' && inFeatures % 4 === 0 && rows > 0
        ? gemmSimd(memory, { m: inFeatures, k: rows, n: outFeatures, transposeA: true, repackA: repacksTransposedA(inFeatures, rows), transposeB: false, gradOf: relu ? 'relu' : 'linear' })
        : null;
    if (!gemm) return composed(backend as KernelBackend, x, dy, y, relu);
    const heap = backend as unknown as HeapBackend;
    const dW = heap.makeOutput([inFeatures, outFeatures], 'float32');
    const dBias = heap.makeOutput([outFeatures], 'float32');
    const g = relu ? heap.makeOutput(dy.shape, 'float32') : null;
    const pack = heap.makeOutput([gemmPackBytes({ m: inFeatures, k: rows, transposeA: true, repackA: repacksTransposedA(inFeatures, rows) }) / 4], 'float32');
    const at = (t: TensorInfo) => heapOffset(backend, t);
    gemm(at(x), at(dy), at(dW), at(pack), 0, relu ? at(y!) : 0, g ? at(g) : 0, at(dBias));
    (backend as unknown as { disposeData(dataId: object): void }).disposeData(pack.dataId);
    return g ? [dW, dBias, g] : [dW, dBias];
  }) as KernelFunc,
};
