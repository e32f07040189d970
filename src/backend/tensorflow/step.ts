/**
 * The `Step` kernel (ReLU's gradient: x > 0 ? 1 : alpha, NaN stays NaN) for the `tensorflow` backend in four
 * TensorFlow ops on raw handles. tfjs-node 4.22's own Step runs six tfjs ops (isNaN, greater, where, fill and
 * `ones(x.shape)`, which fills an array of x's size in JavaScript and uploads it) for every ReLU in every backward
 * pass; on a CNN's large activations that was the most expensive kernel of the training step.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { EagerConstants, withEagerScope } from './eager-ops.js';

const constants = new EagerConstants();

/**
 * The replacement Step kernel; non-float32 inputs go to tfjs-node's original.
 * @param original - tfjs-node's Step kernel
 */
export function stepKernel(original: KernelConfig): KernelConfig {
  const kernelFunc = ((args) => {
    const x = args.inputs.x as TensorInfo;
    const alpha = (args.attrs as NamedAttrMap & { alpha?: number }).alpha ?? 0;
    if (x.dtype !== 'float32') return original.kernelFunc(args);
    return withEagerScope((s) => {
      const positive = s.op('Greater', [x, constants.scalar('zero', 0)]);
      // alpha 0 (ReLU): the 0/1 mask is the cast comparison; Select on equal shapes is cheaper than broadcasting.
      const stepped = alpha === 0
        ? s.boolToFloat(positive)
        : s.op('SelectV2', [positive, constants.scalar('one', 1), constants.scalar('alpha', alpha)]);
      return s.result(s.op('Select', [s.op('IsNan', [x]), x, stepped]));
    });
  }) as KernelFunc;
  return { kernelName: original.kernelName, backendName: original.backendName, kernelFunc };
}
