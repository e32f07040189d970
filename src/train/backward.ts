/**
 * `loss.backward()` for twinml: evaluates `lossFn` while recording, and stores each parameter's gradient in
 * `param.grad` (accumulating onto an existing grad like PyTorch does). Returns the loss value (a kept scalar).
 */
import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients.js';
import type { Parameter } from '../nn/parameter.js';

export function backward(lossFn: () => tf.Scalar, params: Parameter[]): tf.Scalar {
  const vars = params.map((p) => p.variable);
  const { value, grads } = tf.variableGrads(lossFn, vars);
  for (const p of params) {
    const g = grads[p.variable.name];
    if (!g) continue;
    if (p.grad) {
      const sum = tf.add(p.grad, g);
      p.grad.dispose();
      g.dispose();
      p.grad = sum;
    } else {
      p.grad = g;
    }
  }
  // Gradients of variables not in params (if any) are not returned by variableGrads.
  return value;
}
