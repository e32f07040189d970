/**
 * Runs an optimizer ElementProgram (src/backend/optimizer-spec.ts, the one spec of the fused optimizers'
 * arithmetic) with tfjs ops, one op per step: the path every backend without a fused kernel takes. Scalars
 * become float32 scalars as tf.mul(x, number) makes them, so the result is bit-identical to the fused kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import { evaluateProgram, type ElementOp, type ElementProgram } from '../../backend/optimizer-spec.js';

const TF_OPS: Record<ElementOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: (a, b) => tf.add(a, b),
  sub: (a, b) => tf.sub(a, b),
  mul: (a, b) => tf.mul(a, b),
  div: (a, b) => tf.div(a, b),
  sqrt: (a) => tf.sqrt(a),
  max: (a, b) => tf.maximum(a, b),
};

/**
 * @param program - the update
 * @param inputs - tensor inputs by name; an absent state input reads as zeros (like `grad`)
 * @returns the program's outputs, in order (call inside tf.tidy or dispose them)
 */
export function runProgramWithTfOps(program: ElementProgram, inputs: Record<string, tf.Tensor | undefined>): tf.Tensor[] {
  const like = inputs['grad'] ?? inputs['param'];
  if (!like) throw new Error('optimizer program: inputs need grad or param');
  return evaluateProgram<tf.Tensor>(program, {
    input: (name) => inputs[name] ?? tf.zerosLike(like),
    scalar: (_name, value) => tf.scalar(value, 'float32'),
    apply: (op, a, b) => TF_OPS[op](a, b ?? a),
  });
}
