/**
 * The fused LSTM and GRU cell kernels for the wasm backend (src/backend/recurrent-cells.ts). Forward: the
 * element-wise passes of src/backend/recurrent-cell-math.ts on the wasm heap around two calls of the backend's
 * vectorised Sigmoid kernel (tanh(v) = 2 sigmoid(2v) - 1), where the composed ops run about a dozen kernels
 * (add, split, three sigmoids, two tanhs, multiplies). Backward: one pass with no transcendental (the forward
 * saved the activations, tanh(c') included).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapBackend } from './max-pool-grad.js';
import { GRU_CELL, GRU_CELL_GRAD, LSTM_CELL, LSTM_CELL_GRAD } from '../recurrent-cells.js';
import {
  gruCandidatePreactivation,
  gruCellBackward,
  gruCellOutput,
  gruPreactivations,
  lstmCellBackward,
  lstmCellOutput,
  lstmCellUpdate,
  lstmPreactivations,
} from '../recurrent-cell-math.js';

function requireFloat32(kernel: string, inputs: Record<string, TensorInfo>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'float32') throw new Error(`twinml ${kernel}: input ${name} must be float32, got ${t.dtype}`);
  }
}

/** Heap access for one kernel call: allocate, view (always after the last allocation: the heap may grow), run Sigmoid, free. */
class Heap {
  private readonly heap: HeapBackend;
  private readonly temporaries: TensorInfo[] = [];

  constructor(private readonly backend: unknown) {
    this.heap = backend as HeapBackend;
  }

  output(shape: number[]): TensorInfo {
    return this.heap.makeOutput(shape, 'float32');
  }

  temporary(shape: number[]): TensorInfo {
    const t = this.output(shape);
    this.temporaries.push(t);
    return t;
  }

  view(t: TensorInfo): Float32Array {
    return this.heap.typedArrayFromHeap(t) as Float32Array;
  }

  /** The backend's own Sigmoid kernel on `x` (a temporary). */
  sigmoid(x: TensorInfo): TensorInfo {
    const config = tf.getKernel('Sigmoid', 'wasm');
    if (!config) throw new Error('twinml: the wasm backend has no Sigmoid kernel');
    const out = (config.kernelFunc as KernelFunc)({ inputs: { x }, backend: this.backend as KernelBackend, attrs: {} }) as TensorInfo;
    this.temporaries.push(out);
    return out;
  }

  /** Frees the temporaries. */
  done(): void {
    for (const t of this.temporaries) (this.backend as KernelBackend).disposeData(t.dataId);
  }
}

const lstmCell: KernelFunc = ({ inputs, backend }) => {
  const { gx, gh, c } = inputs as { gx: TensorInfo; gh: TensorInfo; c: TensorInfo };
  requireFloat32(LSTM_CELL, { gx, gh, c });
  const [B, H] = c.shape as [number, number];
  const m = new Heap(backend);
  const pre = m.temporary([B, 4 * H]);
  lstmPreactivations(B, H, m.view(gx), m.view(gh), m.view(pre));
  const sig = m.sigmoid(pre);
  const h = m.output([B, H]);
  const cNew = m.output([B, H]);
  const act = m.output([B, 5 * H]);
  const twiceC = m.temporary([B, H]);
  lstmCellUpdate(B, H, m.view(sig), m.view(c), m.view(act), m.view(cNew), m.view(twiceC));
  const sigTwiceC = m.sigmoid(twiceC);
  lstmCellOutput(B, H, m.view(sigTwiceC), m.view(act), m.view(h));
  m.done();
  return [h, cNew, act];
};

const lstmCellGrad: KernelFunc = ({ inputs, backend }) => {
  const { dh, dc, c, act } = inputs as { dh: TensorInfo; dc: TensorInfo; c: TensorInfo; act: TensorInfo };
  requireFloat32(LSTM_CELL_GRAD, { dh, dc, c, act });
  const [B, H] = c.shape as [number, number];
  const m = new Heap(backend);
  const dGates = m.output([B, 4 * H]);
  const dcPrev = m.output([B, H]);
  lstmCellBackward(B, H, m.view(dh), m.view(dc), m.view(c), m.view(act), m.view(dGates), m.view(dcPrev));
  return [dGates, dcPrev];
};

const gruCell: KernelFunc = ({ inputs, backend }) => {
  const { gx, gh, h } = inputs as { gx: TensorInfo; gh: TensorInfo; h: TensorInfo };
  requireFloat32(GRU_CELL, { gx, gh, h });
  const [B, H] = h.shape as [number, number];
  const m = new Heap(backend);
  const pre = m.temporary([B, 2 * H]);
  gruPreactivations(B, H, m.view(gx), m.view(gh), m.view(pre));
  const rz = m.sigmoid(pre);
  const twiceN = m.temporary([B, H]);
  gruCandidatePreactivation(B, H, m.view(rz), m.view(gx), m.view(gh), m.view(twiceN));
  const sigTwiceN = m.sigmoid(twiceN);
  const hNew = m.output([B, H]);
  const act = m.output([B, 3 * H]);
  gruCellOutput(B, H, m.view(rz), m.view(sigTwiceN), m.view(h), m.view(hNew), m.view(act));
  m.done();
  return [hNew, act];
};

const gruCellGrad: KernelFunc = ({ inputs, backend }) => {
  const { dh, h, gh, act } = inputs as { dh: TensorInfo; h: TensorInfo; gh: TensorInfo; act: TensorInfo };
  requireFloat32(GRU_CELL_GRAD, { dh, h, gh, act });
  const [B, H] = h.shape as [number, number];
  const m = new Heap(backend);
  const dgx = m.output([B, 3 * H]);
  const dgh = m.output([B, 3 * H]);
  const dhPrev = m.output([B, H]);
  gruCellBackward(B, H, m.view(dh), m.view(h), m.view(gh), m.view(act), m.view(dgx), m.view(dgh), m.view(dhPrev));
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
