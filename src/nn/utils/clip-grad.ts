/**
 * Mirrors torch.nn.utils.clip_grad_norm_ and clip_grad_value_.
 *   clip_grad_norm_: total_norm = ‖[‖g_1‖_p, …, ‖g_k‖_p]‖_p   (p = inf: the largest |g|)
 *                    clip_coef  = min(max_norm / (total_norm + 1e-6), 1);  g_i *= clip_coef  (always, like torch)
 *   clip_grad_value_: g_i = clamp(g_i, -clip_value, clip_value)
 * Parameters without a gradient are skipped; a Parameter shared by several modules counts once.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../parameter.js';
import { FOREACH_MUL, FOREACH_NORM, numberedInputs } from '../../backend/foreach-kernel-names.js';

/** Whether the active backend registers `kernel` (a foreach kernel: one call for every gradient). */
function hasKernel(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

/** Each gradient's vector norm of order p: one foreach kernel where the backend has it, else per tensor. */
function gradientNorms(grads: tf.Tensor[], p: number): tf.Tensor[] {
  if (hasKernel(FOREACH_NORM) && grads.every((g) => g.dtype === 'float32')) {
    return tf.engine().runKernel(FOREACH_NORM, numberedInputs(grads), { ord: p }) as tf.Tensor[];
  }
  return grads.map((g) => vectorNorm(g, p));
}

/** What the clip functions take: one parameter or several (duplicates are counted once, as in PyTorch's set). */
export type ParametersInput = Parameter | Iterable<Parameter>;

function withGrads(parameters: ParametersInput): Parameter[] {
  const list = 'variable' in (parameters as object) ? [parameters as Parameter] : [...(parameters as Iterable<Parameter>)];
  return [...new Set(list)].filter((p) => p.grad !== null);
}

function vectorNorm(x: tf.Tensor, p: number): tf.Tensor {
  const flat = tf.reshape(x, [-1]);
  if (p === Infinity) return tf.max(tf.abs(flat));
  if (p === 2) return tf.sqrt(tf.sum(tf.square(flat)));
  if (p === 1) return tf.sum(tf.abs(flat));
  return tf.pow(tf.sum(tf.pow(tf.abs(flat), p)), 1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total p-norm is at most `max_norm`
 * (torch.nn.utils.clip_grad_norm_).
 * @param parameters - a Parameter or an iterable of them (e.g. `model.parameters()`)
 * @param max_norm - the largest allowed total norm
 * @param norm_type - the p of the p-norm: a positive number or Infinity (default 2)
 * @param error_if_nonfinite - throw when the total norm is NaN or infinite instead of scaling by it (default false)
 * @param _foreach - accepted for torch's signature; twinml has one implementation
 * @returns the total norm of the gradients before clipping (a number; torch returns a 0-d tensor)
 */
export function clip_grad_norm_(parameters: ParametersInput, max_norm: number, norm_type = 2, error_if_nonfinite = false, _foreach?: boolean | null): number {
  const p = norm_type;
  if (!(p > 0)) throw new Error(`clip_grad_norm_: norm_type must be a positive number or Infinity, got ${p}`);
  if (!(max_norm >= 0)) throw new Error(`clip_grad_norm_: max_norm must be >= 0, got ${max_norm}`);
  const params = withGrads(parameters);
  if (params.length === 0) return 0;
  const total = tf.tidy(() => vectorNorm(tf.stack(gradientNorms(params.map((x) => x.grad!), p)), p));
  const totalValue = total.dataSync()[0]!;
  if (error_if_nonfinite && !Number.isFinite(totalValue)) {
    total.dispose();
    throw new Error(
      `The total norm of order ${p} for gradients from \`parameters\` is non-finite (${totalValue}), so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set error_if_nonfinite to false',
    );
  }
  const coef = tf.tidy(() => tf.minimum(tf.div(tf.scalar(max_norm, 'float32'), tf.add(total, 1e-6)), 1));
  const grads = params.map((x) => x.grad!);
  const scaled =
    hasKernel(FOREACH_MUL) && grads.every((g) => g.dtype === 'float32')
      ? (tf.engine().runKernel(FOREACH_MUL, { ...numberedInputs(grads), scale: coef }) as tf.Tensor[])
      : grads.map((g) => tf.mul(g, coef));
  params.forEach((x, i) => {
    x.grad!.dispose();
    x.grad = scaled[i]!;
  });
  coef.dispose();
  total.dispose();
  return totalValue;
}

/**
 * Clamps every gradient of `parameters` in place to [-clip_value, clip_value] (torch.nn.utils.clip_grad_value_).
 * @param parameters - a Parameter or an iterable of them
 * @param clip_value - the largest allowed absolute value (>= 0)
 * @param _foreach - accepted for torch's signature; twinml has one implementation
 */
export function clip_grad_value_(parameters: ParametersInput, clip_value: number, _foreach?: boolean | null): void {
  if (!(clip_value >= 0)) throw new Error(`clip_grad_value_: clip_value must be >= 0, got ${clip_value}`);
  for (const x of withGrads(parameters)) {
    const clamped = tf.clipByValue(x.grad!, -clip_value, clip_value);
    x.grad!.dispose();
    x.grad = clamped;
  }
}
