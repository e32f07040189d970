/**
 * The fused LSTM and GRU cell kernels for the wasm backend (src/backend/recurrent-cells.ts): one pass over the
 * wasm heap per step, forward and backward, where the composed ops run about a dozen kernels (add, split, three
 * sigmoids, two tanhs, multiplies) each way. The math is src/backend/recurrent-cell-math.ts.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';
import { GRU_CELL, GRU_CELL_GRAD, LSTM_CELL, LSTM_CELL_GRAD } from '../recurrent-cells.js';
import { gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward } from '../recurrent-cell-math.js';

function requireFloat32(kernel: string, inputs: Record<string, TensorInfo>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new Error(`twinml ${kernel}: input ${name} must be float32, got ${t.dtype}`);
  }
}

function heapOf(backend: unknown): { heap: HeapBackend; view: (t: TensorInfo) => Float32Array } {
  const heap = backend as HeapBackend;
  return { heap, view: (t) => heap.typedArrayFromHeap(t) as Float32Array };
}

const lstmCell: KernelFunc = ({ inputs, backend }) => {
  const { gx, gh, c } = inputs as { gx: TensorInfo; gh: TensorInfo; c: TensorInfo };
  requireFloat32(LSTM_CELL, { gx, gh, c });
  const [B, H] = c.shape as [number, number];
  const { heap, view } = heapOf(backend);
  const h = heap.makeOutput([B, H], 'float32');
  const cNew = heap.makeOutput([B, H], 'float32');
  const act = heap.makeOutput([B, 4 * H], 'float32');
  lstmCellForward(B, H, view(gx), view(gh), view(c), view(h), view(cNew), view(act));
  return [h, cNew, act];
};

const lstmCellGrad: KernelFunc = ({ inputs, backend }) => {
  const { dh, dc, c, act, cNew } = inputs as { dh: TensorInfo; dc: TensorInfo; c: TensorInfo; act: TensorInfo; cNew: TensorInfo };
  requireFloat32(LSTM_CELL_GRAD, { dh, dc, c, act, cNew });
  const [B, H] = c.shape as [number, number];
  const { heap, view } = heapOf(backend);
  const dGates = heap.makeOutput([B, 4 * H], 'float32');
  const dcPrev = heap.makeOutput([B, H], 'float32');
  lstmCellBackward(B, H, view(dh), view(dc), view(c), view(act), view(cNew), view(dGates), view(dcPrev));
  return [dGates, dcPrev];
};

const gruCell: KernelFunc = ({ inputs, backend }) => {
  const { gx, gh, h } = inputs as { gx: TensorInfo; gh: TensorInfo; h: TensorInfo };
  requireFloat32(GRU_CELL, { gx, gh, h });
  const [B, H] = h.shape as [number, number];
  const { heap, view } = heapOf(backend);
  const hNew = heap.makeOutput([B, H], 'float32');
  const act = heap.makeOutput([B, 3 * H], 'float32');
  gruCellForward(B, H, view(gx), view(gh), view(h), view(hNew), view(act));
  return [hNew, act];
};

const gruCellGrad: KernelFunc = ({ inputs, backend }) => {
  const { dh, h, gh, act } = inputs as { dh: TensorInfo; h: TensorInfo; gh: TensorInfo; act: TensorInfo };
  requireFloat32(GRU_CELL_GRAD, { dh, h, gh, act });
  const [B, H] = h.shape as [number, number];
  const { heap, view } = heapOf(backend);
  const dgx = heap.makeOutput([B, 3 * H], 'float32');
  const dgh = heap.makeOutput([B, 3 * H], 'float32');
  const dhPrev = heap.makeOutput([B, H], 'float32');
  gruCellBackward(B, H, view(dh), view(h), view(gh), view(act), view(dgx), view(dgh), view(dhPrev));
  return [dgx, dgh, dhPrev];
};

/** The four recurrent-cell kernels for the wasm backend. */
export function recurrentCellKernels(backendName = 'wasm'): KernelConfig[] {
  return [
    { kernelName: LSTM_CELL, backendName, kernelFunc: lstmCell },
    { kernelName: LSTM_CELL_GRAD, backendName, kernelFunc: lstmCellGrad },
    { kernelName: GRU_CELL, backendName, kernelFunc: gruCell },
    { kernelName: GRU_CELL_GRAD, backendName, kernelFunc: gruCellGrad },
  ];
}
