/**
 * The fused Adam update (kernel `TwinmlAdamUpdate`, which src/train/optim/adam.ts calls when the active backend
 * registers it; the wasm backend's is src/backend/wasm/optimizer-kernels.ts) for the `tensorflow` backend: the
 * program of src/backend/optimizer-spec.ts (the one spec of the arithmetic) run as raw TensorFlow eager ops
 * (`Add`, `Sub`, `Mul`, `RealDiv`, `Sqrt`, `Maximum`: the kernels tfjs-node runs for tf.add, tf.sub, ...), so the
 * same float32 results bit for bit as the tf-ops path, without tfjs kernel dispatch per op, with intermediates freed
 * at once and the scalar hyper-parameters uploaded once instead of once per op. Only the new parameter and state
 * reach tfjs.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ADAM_UPDATE } from '../wasm/optimizer-kernels.js';
import { adamProgram, evaluateProgram, type AdamStepAttrs, type ElementOp } from '../optimizer-spec.js';
import { EagerConstants, withEagerScope, type BinaryEagerOp, type EagerHandle, type EagerInput } from './eager-ops.js';

const constants = new EagerConstants();

const BINARY: Record<Exclude<ElementOp, 'sqrt'>, BinaryEagerOp> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'RealDiv', max: 'Maximum' };

const adamKernel: KernelFunc = ({ inputs, attrs }) => {
  const named = inputs as Record<string, TensorInfo | undefined>;
  if (!named['param'] || !named['grad']) throw new Error(`${ADAM_UPDATE}: inputs param and grad are required`);
  const program = adamProgram(attrs as unknown as AdamStepAttrs);
  for (const name of program.tensors) {
    const t = named[name];
    if (t && t.dtype !== 'float32') throw new Error(`${ADAM_UPDATE}: input ${name} must be float32, got ${t.dtype}`);
  }
  return withEagerScope((s) => {
    const outputs = evaluateProgram<EagerInput>(program, {
      // An absent state input (first step) is zeros, as the tf-ops path's tf.zerosLike.
      input: (name) => named[name] ?? s.op('ZerosLike', [named['grad']!]),
      scalar: (name, value) => constants.scalar(name, value),
      apply: (op, a, b) => (op === 'sqrt' ? s.unary('Sqrt', a) : s.binary(BINARY[op], a, b!)),
    });
    return outputs.map((h) => s.result(h as EagerHandle));
  });
};

/** The fused optimizer kernels of the `tensorflow` backend (Adam; SGD runs its tf ops there). */
export function tensorflowOptimizerKernels(): KernelConfig[] {
  return [{ kernelName: ADAM_UPDATE, backendName: 'tensorflow', kernelFunc: adamKernel }];
}
