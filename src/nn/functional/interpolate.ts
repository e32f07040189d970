/**
 * torch.nn.functional.interpolate (= F.upsample) for 3-D [N, C, L] and 4-D [N, C, H, W] inputs with the modes
 * 'nearest', 'nearest-exact', 'linear' (3-D) and 'bilinear' (4-D). Source positions follow PyTorch's kernels
 * exactly (aten/src/ATen/native/UpSample.h): with scale_factor given (and recompute_scale_factor unset) the source
 * scale is 1/scale_factor, otherwise in/out; align_corners maps the corner pixels onto each other. Each spatial axis
 * is resampled separably with gathers (and, for the linear modes, the two-tap weights), so tfjs differentiates it
 * on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The interpolation modes supported. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear';

/** F.interpolate's keyword arguments (give exactly one of size and scaleFactor). */
export interface InterpolateOptions {
  /** Output spatial size: an int (every axis) or one int per spatial axis. */
  size?: number | number[];
  /** Multiplier of the spatial size: a number (every axis) or one per spatial axis. */
  scaleFactor?: number | number[];
  /** Default 'nearest'. */
  mode?: InterpolateMode;
  /** Linear modes only: align the centres of the corner pixels (default false). */
  alignCorners?: boolean;
  /** Compute the source scale from the sizes instead of 1/scale_factor (default false). */
  recomputeScaleFactor?: boolean;
  /** Not supported (an error when true). */
  antialias?: boolean;
}

/** The resampling of one spatial axis: source indices and, for the linear modes, the second tap and weights. */
interface AxisPlan {
  outSize: number;
  i0: Int32Array;
  i1?: Int32Array;
  w0?: Float32Array;
  w1?: Float32Array;
}

function perAxis<T>(value: T | T[] | undefined, count: number, what: string): T[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : Array.from({ length: count }, () => value);
  if (list.length !== count) throw new Error(`F.interpolate: ${what} must have ${count} values for a ${count + 2}-D input, got ${JSON.stringify(value)}`);
  return list;
}

/**
 * Plans one axis like PyTorch's area_pixel_compute_scale and the nearest/linear source index rules.
 * @param inSize - input length of the axis
 * @param outSize - output length
 * @param scaleFactor - the user's scale factor for this axis, when it sets the source scale
 * @param mode - the mode
 * @param alignCorners - align_corners
 */
function planAxis(inSize: number, outSize: number, scaleFactor: number | undefined, mode: InterpolateMode, alignCorners: boolean): AxisPlan {
  const i0 = new Int32Array(outSize);
  if (mode === 'nearest' || mode === 'nearest-exact') {
    const scale = scaleFactor !== undefined && scaleFactor > 0 ? 1 / scaleFactor : inSize / outSize;
    for (let d = 0; d < outSize; d++) {
      const src = mode === 'nearest' ? Math.floor(d * scale) : Math.floor((d + 0.5) * scale);
      i0[d] = Math.min(src, inSize - 1);
    }
    return { outSize, i0 };
  }
  let scale: number;
  if (alignCorners) scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  else scale = scaleFactor !== undefined && scaleFactor > 0 ? 1 / scaleFactor : inSize / outSize;
  const i1 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = alignCorners ? scale * d : Math.max(0, scale * (d + 0.5) - 0.5);
    const lo = Math.floor(src);
    i0[d] = lo;
    i1[d] = lo + (lo < inSize - 1 ? 1 : 0);
    w1[d] = src - lo;
    w0[d] = 1 - (src - lo);
  }
  return { outSize, i0, i1, w0, w1 };
}

/** Resamples `x` along `axis` with the plan. */
function resampleAxis(x: tf.Tensor, axis: number, plan: AxisPlan): tf.Tensor {
  const first = tf.gather(x, tf.tensor1d(plan.i0, 'int32'), axis);
  if (!plan.i1) return first;
  const shape = x.shape.map((_, i) => (i === axis ? plan.outSize : 1));
  const second = tf.gather(x, tf.tensor1d(plan.i1, 'int32'), axis);
  return tf.add(tf.mul(first, tf.tensor(plan.w0!, shape)), tf.mul(second, tf.tensor(plan.w1!, shape)));
}

/**
 * torch.nn.functional.interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
 * recompute_scale_factor=None, antialias=False).
 * @param input - [N, C, L] or [N, C, H, W]
 * @param options - size or scaleFactor, mode, alignCorners, recomputeScaleFactor
 */
export function interpolate(input: tf.Tensor, options: InterpolateOptions = {}): tf.Tensor {
  const mode = options.mode ?? 'nearest';
  if (!['nearest', 'nearest-exact', 'linear', 'bilinear'].includes(mode)) {
    throw new Error(`F.interpolate: mode '${mode as string}' is not supported; choose 'nearest', 'nearest-exact', 'linear' (3-D) or 'bilinear' (4-D)`);
  }
  if (input.rank !== 3 && input.rank !== 4) throw new Error(`F.interpolate: expected a 3-D [N, C, L] or 4-D [N, C, H, W] input, got shape [${input.shape.join(', ')}]`);
  if (mode === 'linear' && input.rank !== 3) throw new Error(`F.interpolate: mode 'linear' needs a 3-D input, got shape [${input.shape.join(', ')}]`);
  if (mode === 'bilinear' && input.rank !== 4) throw new Error(`F.interpolate: mode 'bilinear' needs a 4-D input, got shape [${input.shape.join(', ')}]`);
  const linearMode = mode === 'linear' || mode === 'bilinear';
  if (options.alignCorners !== undefined && !linearMode) {
    throw new Error('F.interpolate: align_corners option can only be set with the interpolating modes: linear | bilinear');
  }
  if (options.antialias) throw new Error('F.interpolate: antialias=True is not supported');
  const spatial = input.rank - 2;
  const size = perAxis(options.size, spatial, 'size');
  const factors = perAxis(options.scaleFactor, spatial, 'scale_factor');
  if ((size === undefined) === (factors === undefined)) throw new Error('F.interpolate: give exactly one of size and scale_factor');
  if (size?.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`F.interpolate: size must be positive integers, got ${JSON.stringify(options.size)}`);
  if (factors?.some((f) => !(f > 0))) throw new Error(`F.interpolate: scale_factor must be positive, got ${JSON.stringify(options.scaleFactor)}`);
  const alignCorners = options.alignCorners ?? false;
  return tf.tidy(() => {
    let y = input;
    for (let i = 0; i < spatial; i++) {
      const inSize = input.shape[2 + i]!;
      const outSize = size ? size[i]! : Math.floor(inSize * factors![i]!);
      if (outSize < 1) throw new Error(`F.interpolate: the output size along axis ${2 + i} would be ${outSize}`);
      const sourceFactor = factors && !options.recomputeScaleFactor ? factors[i] : undefined;
      y = resampleAxis(y, 2 + i, planAxis(inSize, outSize, sourceFactor, mode, alignCorners));
    }
    return y === input ? tf.clone(input) : y;
  });
}

/** torch.nn.functional.upsample: the deprecated name of {@link interpolate}. */
export const upsample = interpolate;
