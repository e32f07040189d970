/**
 * Mirrors torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
 *   total_norm = ‖[‖g_1‖_p, …, ‖g_k‖_p]‖_p      (p = inf: the largest |g|)
 *   clip_coef  = min(max_norm / (total_norm + 1e-6), 1)
 *   g_i       *= clip_coef                         (always, like torch: a factor of 1 leaves g unchanged)
 * Parameters without a gradient are skipped. Returns total_norm (of the gradients before clipping).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';

export interface ClipGradNormOptions {
  /** The p of the p-norm: a positive number or Infinity (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

function vectorNorm(x: tf.Tensor, p: number): tf.Tensor {
  const flat = tf.reshape(x, [-1]);
  if (p === Infinity) return tf.max(tf.abs(flat));
  if (p === 2) return tf.sqrt(tf.sum(tf.square(flat)));
  if (p === 1) return tf.sum(tf.abs(flat));
  return tf.pow(tf.sum(tf.pow(tf.abs(flat), p)), 1 / p);
}

/**
 * @param params - the parameters whose `.grad` is clipped in place
 * @param maxNorm - the largest allowed total norm
 * @param options - norm type and non-finite handling
 */
export function clipGradNorm(params: Parameter[], maxNorm: number, options: ClipGradNormOptions = {}): number {
  const p = options.normType ?? 2;
  if (!(p > 0)) throw new Error(`clipGradNorm: normType must be a positive number or Infinity, got ${p}`);
  if (!(maxNorm >= 0)) throw new Error(`clipGradNorm: maxNorm must be >= 0, got ${maxNorm}`);
  const withGrad = params.filter((x) => x.grad !== null);
  if (withGrad.length === 0) return 0;
  const total = tf.tidy(() => vectorNorm(tf.stack(withGrad.map((x) => vectorNorm(x.grad!, p))), p));
  const totalValue = total.dataSync()[0]!;
  if (options.errorIfNonfinite && !Number.isFinite(totalValue)) {
    total.dispose();
    throw new Error(
      `The total norm of order ${p} for gradients from \`parameters\` is non-finite (${totalValue}), so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to false',
    );
  }
  const coef = tf.tidy(() => tf.minimum(tf.div(tf.scalar(maxNorm, 'float32'), tf.add(total, 1e-6)), 1));
  for (const x of withGrad) {
    const scaled = tf.mul(x.grad!, coef);
    x.grad!.dispose();
    x.grad = scaled;
  }
  coef.dispose();
  total.dispose();
  return totalValue;
}
