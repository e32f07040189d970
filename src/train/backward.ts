/**
 * `loss.backward()` for twinml. tfjs records a computation only inside a function, so instead of calling
 * `loss.backward()` on a tensor you hand `backward` a function that computes the loss:
 *
 * ```ts
 * optimizer.zeroGrad();
 * const loss = backward(() => F.cross_entropy(model.call(x), y), model);
 * optimizer.step();
 * console.log(loss.dataSync()[0]); loss.dispose();
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import '../backend/gradients.js';
import type { Parameter } from '../nn/parameter.js';

/** Whose gradients `backward` computes: a list of Parameters, or anything with `parameters()` (a Module). */
export type GradientTargets = Parameter[] | { parameters(): Parameter[] };

/**
 * Evaluates `lossFn` while recording, then stores d loss / d p in `p.grad` for every parameter, ACCUMULATING onto
 * an existing grad like PyTorch's `loss.backward()` (clear them with `optimizer.zeroGrad()` or
 * `model.zeroGrad()`). A parameter listed twice (a shared Parameter) gets its gradient once.
 * @param lossFn - computes the scalar loss from the model (tensors made inside are freed afterwards)
 * @param params - the parameters to differentiate, or a Module (its `parameters()`)
 * @returns the loss value, a scalar you own: read it (`dataSync()`) and dispose it
 */
export function backward(lossFn: () => tf.Scalar | tf.Tensor, params: GradientTargets): tf.Scalar {
  const list = Array.isArray(params) ? params : params.parameters();
  const unique = [...new Set(list)];
  const vars = unique.map((p) => p.variable);
  const { value, grads } = tf.variableGrads(() => {
    const loss = lossFn();
    if (loss.rank !== 0) throw new Error(`backward: the loss must be a scalar, got shape [${loss.shape.join(', ')}] (reduce it, e.g. with reduction 'mean')`);
    return loss as tf.Scalar;
  }, vars);
  for (const p of unique) {
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
  return value;
}
