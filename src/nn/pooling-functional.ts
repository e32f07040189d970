/**
 * The pooling behind nn.MaxPool2d / AvgPool2d / AdaptiveAvgPool2d and F.max_pool2d / avg_pool2d /
 * adaptive_avg_pool2d. Output sizes follow PyTorch: floor or ceil((size + 2p - d(k-1) - 1)/s) + 1, and with
 * ceil_mode the last window must start inside the input or the left padding. The window kernels take NHWC
 * (`*ChannelsLast`); the NCHW entry points in functional/layers.ts transpose in and out (max pooling runs
 * natively on NCHW where the backend can, `maxPool2dNCHW`), and `Sequential`'s channels-last runs call the NHWC
 * ones directly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { pair, toNCHW, toNHWC } from './layout.js';
import { maxPool2x2NCHW, runsMaxPool2dNCHW } from '../backend/max-pool-nchw.js';

/** PyTorch's pooling output size along one axis. */
export function pooledSize(size: number, kernel: number, stride: number, pad: number, ceilMode: boolean, dilation = 1): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out -= 1;
  return out;
}

/** A 2-D pooling window's geometry. */
export interface PoolGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  ceilMode: boolean;
}

/**
 * The geometry PyTorch applies for these arguments (stride defaults to kernel_size), checked.
 * @param what - caller name for error messages
 * @param kernelSize - int or [kh, kw]
 * @param options - stride, padding, ceilMode
 */
export function poolGeometry(
  what: string,
  kernelSize: number | readonly [number, number],
  options: { stride?: number | readonly [number, number] | null; padding?: number | readonly [number, number]; ceilMode?: boolean },
): PoolGeometry {
  const kernel = pair(kernelSize, `${what}: kernel_size`);
  const g: PoolGeometry = {
    kernel,
    stride: pair(options.stride ?? kernel, `${what}: stride`),
    padding: pair(options.padding ?? 0, `${what}: padding`, 0),
    ceilMode: options.ceilMode ?? false,
  };
  if (g.padding[0] > g.kernel[0] / 2 || g.padding[1] > g.kernel[1] / 2) {
    throw new Error(`${what}: pad should be at most half of effective kernel size, got padding=(${g.padding.join(', ')}) and kernel_size=(${g.kernel.join(', ')})`);
  }
  return g;
}

/** Output size and the explicit [[top, bottom], [left, right]] padding that makes tfjs produce it. */
function explicitPads(g: PoolGeometry, h: number, w: number): { out: [number, number]; pads: [[number, number], [number, number]] } {
  const out: [number, number] = [pooledSize(h, g.kernel[0], g.stride[0], g.padding[0], g.ceilMode), pooledSize(w, g.kernel[1], g.stride[1], g.padding[1], g.ceilMode)];
  const pads = [0, 1].map((i) => {
    const size = i === 0 ? h : w;
    const after = Math.max(0, (out[i]! - 1) * g.stride[i]! + g.kernel[i]! - size - g.padding[i]!);
    return [g.padding[i]!, after];
  }) as [[number, number], [number, number]];
  if (out[0] < 1 || out[1] < 1) throw new Error(`pooling: output size would be ${out.join('x')} for input ${h}x${w}; the input is too small`);
  return { out, pads };
}

/**
 * Max pooling of an NHWC tensor; padded cells never win (tfjs pools over in-bounds cells only), like PyTorch's
 * -inf padding.
 * @param x - [N, H, W, C]
 * @param g - window geometry
 */
export function maxPool2dChannelsLast(x: tf.Tensor4D, g: PoolGeometry): tf.Tensor4D {
  const { pads } = explicitPads(g, x.shape[1], x.shape[2]);
  return tf.maxPool(x, g.kernel, g.stride, [[0, 0], pads[0], pads[1], [0, 0]]);
}

/**
 * Max pooling of an NCHW tensor: on the backend's native NCHW kernel where it has one for this window
 * (src/backend decides), else on NHWC between two transposes.
 * @param x - [N, C, H, W]
 * @param g - window geometry
 */
export function maxPool2dNCHW(x: tf.Tensor4D, g: PoolGeometry): tf.Tensor4D {
  const [, , h, w] = x.shape;
  const out = [pooledSize(h, g.kernel[0], g.stride[0], g.padding[0], g.ceilMode), pooledSize(w, g.kernel[1], g.stride[1], g.padding[1], g.ceilMode)];
  if (runsMaxPool2dNCHW(g.kernel, g.stride, g.padding, [h, w], out)) return maxPool2x2NCHW(x);
  return tf.tidy(() => toNCHW(maxPool2dChannelsLast(toNHWC(x), g)));
}

/**
 * Whether `maxPool2dNCHW` runs this window on a native NCHW kernel for every input size: floor mode makes
 * the output floor-sized, the condition the backend checks per shape.
 * @param g - window geometry
 */
export function maxPoolRunsOnNCHW(g: PoolGeometry): boolean {
  return !g.ceilMode && runsMaxPool2dNCHW(g.kernel, g.stride, g.padding, [2, 2], [1, 1]);
}

/** PyTorch's divisor of every output window (avg_pool2d: padding counts, the ceil overhang does not). */
export function avgPoolDivisors(g: PoolGeometry, countIncludePad: boolean, divisorOverride: number | null, h: number, w: number, out: [number, number]): Float32Array {
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [ph, pw] = g.padding;
  const d = new Float32Array(out[0] * out[1]);
  for (let i = 0; i < out[0]; i++) {
    for (let j = 0; j < out[1]; j++) {
      let hs = i * sh - ph;
      let ws = j * sw - pw;
      let he = Math.min(hs + kh, h + ph);
      let we = Math.min(ws + kw, w + pw);
      const poolSize = (he - hs) * (we - ws);
      hs = Math.max(hs, 0);
      ws = Math.max(ws, 0);
      he = Math.min(he, h);
      we = Math.min(we, w);
      d[i * out[1] + j] = divisorOverride ?? (countIncludePad ? poolSize : (he - hs) * (we - ws));
    }
  }
  return d;
}

/**
 * Average pooling of an NHWC tensor with PyTorch's divisors.
 * @param x - [N, H, W, C]
 * @param g - window geometry
 * @param countIncludePad - count the zero padding in the divisor
 * @param divisorOverride - divide every window by this instead (null: none)
 */
export function avgPool2dChannelsLast(x: tf.Tensor4D, g: PoolGeometry, countIncludePad: boolean, divisorOverride: number | null): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const { out, pads } = explicitPads(g, h, w);
    const padded = pads.flat().some((p) => p > 0) ? tf.pad(x, [[0, 0], pads[0], pads[1], [0, 0]]) : x;
    // Window sums / (kh*kw), rescaled where PyTorch's divisor differs from kh*kw.
    const mean = tf.avgPool(padded, g.kernel, g.stride, 'valid');
    const full = g.kernel[0] * g.kernel[1];
    const divisors = avgPoolDivisors(g, countIncludePad, divisorOverride, h, w, out);
    if (divisors.every((d) => d === full)) return mean;
    const scale = tf.tensor4d(divisors.map((d) => full / d), [1, out[0], out[1], 1]);
    return tf.mul(mean, scale) as tf.Tensor4D;
  });
}

/** The [out, in] averaging matrix of adaptive pooling: row i averages [floor(i*in/out), ceil((i+1)*in/out)). */
export function adaptiveMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  }
  return m;
}

/**
 * Adaptive average pooling of an NCHW tensor: x (H x W) -> Ph (Ho x H) . x . Pw^T (W x Wo), two GEMMs.
 * @param x - [N, C, H, W]
 * @param ho - output height
 * @param wo - output width
 */
export function adaptiveAvgPool2dNCHW(x: tf.Tensor4D, ho: number, wo: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, c, h, w] = x.shape;
    const pwT = tf.transpose(tf.tensor2d(adaptiveMatrix(w, wo), [wo, w]));
    const alongW = tf.matMul(tf.reshape(x, [n * c * h, w]) as tf.Tensor2D, pwT as tf.Tensor2D); // [n*c*h, wo]
    const cols = tf.transpose(tf.reshape(alongW, [n * c, h, wo]), [0, 2, 1]); // [n*c, wo, h]
    const phT = tf.transpose(tf.tensor2d(adaptiveMatrix(h, ho), [ho, h]));
    const both = tf.matMul(tf.reshape(cols, [n * c * wo, h]) as tf.Tensor2D, phT as tf.Tensor2D); // [n*c*wo, ho]
    return tf.reshape(tf.transpose(tf.reshape(both, [n * c, wo, ho]), [0, 2, 1]), [n, c, ho, wo]) as tf.Tensor4D;
  });
}
