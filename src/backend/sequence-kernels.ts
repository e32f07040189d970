/**
 * Fused kernels of the sequence modules (issue 16), registered for wasm (host-kernel.ts; Softmax's gradient also
 * as SIMD, wasm/softmax-backward.ts) and composed from tfjs ops on the other backends (cpu stays the reference):
 *   - TwinmlSoftmaxBackward: dx = y·(dy - Σ dy·y) over the last axis, one pass (tfjs composes Multiply, Sum,
 *     Multiply, Sub); Softmax's registered gradient uses it, so F.softmax, nn.Softmax and attention get it;
 *   - TwinmlLayerNorm: y = (x - mean)·rstd·weight + bias over the last axis, with mean and rstd (1/sqrt(var+eps))
 *     as outputs for the backward; TwinmlLayerNormBackward: dx, dweight, dbias in one pass.
 * Row statistics are accumulated in float64.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { hostKernelConfigs, type HostInput, type HostKernel } from './host-kernel.js';

export const SOFTMAX_BACKWARD = 'TwinmlSoftmaxBackward';
export const LAYER_NORM = 'TwinmlLayerNorm';
export const LAYER_NORM_BACKWARD = 'TwinmlLayerNormBackward';

const lastDim = (t: { shape: number[] }) => t.shape[t.shape.length - 1] ?? 1;
const rowsOf = (t: { shape: number[] }) => tf.util.sizeFromShape(t.shape) / Math.max(lastDim(t), 1);

const softmaxBackwardKernel: HostKernel = {
  kernelName: SOFTMAX_BACKWARD,
  required: ['dy', 'y'],
  outputShapes: (inputs) => {
    const { dy, y } = inputs as { dy: TensorInfo; y: TensorInfo };
    if (!tf.util.arraysEqual(dy.shape, y.shape)) throw new Error(`twinml ${SOFTMAX_BACKWARD}: dy [${dy.shape.join(', ')}] and y [${y.shape.join(', ')}] must have one shape`);
    return [y.shape];
  },
  run: (inputs, [dx]) => {
    const { dy, y } = inputs as { dy: HostInput; y: HostInput };
    const c = lastDim(y);
    const rows = rowsOf(y);
    const g = dy.values;
    const p = y.values;
    for (let r = 0; r < rows; r++) {
      const o = r * c;
      let dot = 0;
      for (let j = 0; j < c; j++) dot += g[o + j]! * p[o + j]!;
      for (let j = 0; j < c; j++) dx![o + j] = p[o + j]! * (g[o + j]! - dot);
    }
  },
};

const layerNormKernel: HostKernel = {
  kernelName: LAYER_NORM,
  required: ['x'],
  outputShapes: (inputs) => {
    const { x, weight, bias } = inputs as { x: TensorInfo; weight?: TensorInfo; bias?: TensorInfo };
    const d = lastDim(x);
    for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
      if (t && (t.shape.length !== 1 || t.shape[0] !== d)) throw new Error(`twinml ${LAYER_NORM}: ${name} must have shape [${d}], got [${t.shape.join(', ')}]`);
    }
    return [x.shape, [rowsOf(x)], [rowsOf(x)]];
  },
  run: (inputs, [y, mean, rstd], attrs) => {
    const { x, weight, bias } = inputs as { x: HostInput; weight?: HostInput; bias?: HostInput };
    const eps = (attrs as { eps: number }).eps;
    const d = lastDim(x);
    const rows = rowsOf(x);
    const v = x.values;
    const w = weight?.values;
    const b = bias?.values;
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let sum = 0;
      for (let j = 0; j < d; j++) sum += v[o + j]!;
      const mu = sum / d;
      let sq = 0;
      for (let j = 0; j < d; j++) {
        const t = v[o + j]! - mu;
        sq += t * t;
      }
      const rs = 1 / Math.sqrt(sq / d + eps);
      mean![r] = mu;
      rstd![r] = rs;
      for (let j = 0; j < d; j++) {
        let t = (v[o + j]! - mu) * rs;
        if (w) t *= w[j]!;
        if (b) t += b[j]!;
        y![o + j] = t;
      }
    }
  },
};

const layerNormBackwardKernel: HostKernel = {
  kernelName: LAYER_NORM_BACKWARD,
  required: ['dy', 'x', 'mean', 'rstd'],
  outputShapes: (inputs) => {
    const { x } = inputs as { x: TensorInfo };
    return [x.shape, [lastDim(x)], [lastDim(x)]];
  },
  run: (inputs, [dx, dweight, dbias]) => {
    const { dy, x, mean, rstd, weight } = inputs as { dy: HostInput; x: HostInput; mean: HostInput; rstd: HostInput; weight?: HostInput };
    const d = lastDim(x);
    const rows = rowsOf(x);
    const g = dy.values;
    const v = x.values;
    const w = weight?.values;
    const dw = new Float64Array(d);
    const db = new Float64Array(d);
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      const mu = mean.values[r]!;
      const rs = rstd.values[r]!;
      let sumG = 0;
      let sumGX = 0;
      for (let j = 0; j < d; j++) {
        const xhat = (v[o + j]! - mu) * rs;
        const gj = g[o + j]!;
        dw[j] += gj * xhat;
        db[j] += gj;
        const gw = w ? gj * w[j]! : gj;
        sumG += gw;
        sumGX += gw * xhat;
      }
      const mG = sumG / d;
      const mGX = sumGX / d;
      for (let j = 0; j < d; j++) {
        const xhat = (v[o + j]! - mu) * rs;
        const gw = w ? g[o + j]! * w[j]! : g[o + j]!;
        dx![o + j] = rs * (gw - mG - xhat * mGX);
      }
    }
    dweight!.set(dw);
    dbias!.set(db);
  },
};

/** The fused kernels' registrations (wasm). */
export function sequenceKernelConfigs(): tf.KernelConfig[] {
  return [softmaxBackwardKernel, layerNormKernel, layerNormBackwardKernel].flatMap((k) => hostKernelConfigs(k));
}

/** Whether tfjs is recording operations for a gradient (inside tf.grad / variableGrads, outside a kernel). */
export function recordingGradients(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number; kernelDepth?: number } }).state;
  return (state?.gradientDepth ?? 1) > 0 && (state?.kernelDepth ?? 0) === 0;
}

/**
 * A fused kernel's registration, marked `forInference` when the kernel is also the fastest route without gradients
 * (torch: ATen's one kernel; wasm's loop kernel is not, its composed SIMD ops are).
 */
export type FusedKernelConfig = tf.KernelConfig & { forInference?: boolean };

/** Whether the active backend has `kernel`. */
export function hasKernel(kernel: string): boolean {
  return tf.getKernel(kernel, tf.getBackend()) !== undefined;
}

/**
 * Softmax's gradient over the last axis: one kernel where the backend has it, else dy·y - Σ(dy·y)·y.
 * @param dy - gradient of the softmax output
 * @param y - the softmax output
 */
export function softmaxBackward(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (hasKernel(SOFTMAX_BACKWARD) && dy.dtype === 'float32' && y.dtype === 'float32') {
    const out = tf.engine().runKernel(SOFTMAX_BACKWARD, { dy, y }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(out) ? out[0]! : out;
  }
  return tf.tidy(() => {
    const dyTimesY = tf.mul(dy, y);
    return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, -1, true), y));
  });
}

/** Makes Softmax's gradient use softmaxBackward (call after tfjs's gradients are registered; idempotent). */
export function registerSoftmaxGradient(): void {
  tf.registerGradient({
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const dim = (attrs as NamedAttrMap & { dim: number }).dim;
      const y = saved[0]!;
      if (dim !== -1 && dim !== y.rank - 1) throw new Error(`twinml Softmax gradient: dim ${dim} is not the last axis`);
      return { logits: () => softmaxBackward(dy as tf.Tensor, y) };
    },
  });
}

/** Registers the kernels (for wasm) and Softmax's gradient; idempotent. */
export function registerSequenceKernels(): void {
  for (const config of sequenceKernelConfigs()) {
    if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
  }
  registerSoftmaxGradient();
}

/**
 * LayerNorm over the last axis as the fused kernels (forward and backward), or null when the active backend has
 * none (the caller then composes tfjs ops).
 * @param x - [..., D] float32
 * @param weight - [D] or null
 * @param bias - [D] or null
 * @param eps - added to the variance
 */
export function fusedLayerNorm(x: tf.Tensor, weight: tf.Tensor | null, bias: tf.Tensor | null, eps: number): tf.Tensor | null {
  if (!hasKernel(LAYER_NORM) || !hasKernel(LAYER_NORM_BACKWARD) || x.dtype !== 'float32' || x.rank < 1) return null;
  // Forward alone (no gradient being recorded), the backend's composed SIMD ops are faster than the loop kernel
  // (bench/sequence-kernels.mjs); the fused pair pays off in training, where it replaces the composed backward.
  if (!recordingGradients()) {
    if ((tf.getKernel(LAYER_NORM, tf.getBackend()) as FusedKernelConfig).forInference !== true) return null;
    const kernelInputs: Record<string, tf.Tensor> = { x };
    if (weight) kernelInputs.weight = weight;
    if (bias) kernelInputs.bias = bias;
    const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM, kernelInputs, { eps }) as tf.Tensor[];
    tf.dispose([mean!, rstd!]);
    return y!;
  }
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const f = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xIn = args[0] as tf.Tensor;
    const wIn = weight ? (args[1] as tf.Tensor) : null;
    const bIn = bias ? (args[weight ? 2 : 1] as tf.Tensor) : null;
    const kernelInputs: Record<string, tf.Tensor> = { x: xIn };
    if (wIn) kernelInputs.weight = wIn;
    if (bIn) kernelInputs.bias = bIn;
    const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM, kernelInputs, { eps }) as tf.Tensor[];
    save(wIn ? [xIn, mean!, rstd!, wIn] : [xIn, mean!, rstd!]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, smean, srstd, sw] = saved;
      const backInputs: Record<string, tf.Tensor> = { dy, x: sx!, mean: smean!, rstd: srstd! };
      if (sw) backInputs.weight = sw;
      const [dx, dw, db] = tf.engine().runKernel(LAYER_NORM_BACKWARD, backInputs, {}) as tf.Tensor[];
      const grads = [dx!];
      if (weight) grads.push(dw!);
      else dw!.dispose();
      if (bias) grads.push(db!);
      else db!.dispose();
      return grads;
    };
    return { value: y!, gradFunc };
  }) as Parameters<typeof tf.customGrad>[0]);
  return f(...inputs);
}
