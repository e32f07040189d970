/**
 * Mirrors torch.nn.MaxPool2d, AvgPool2d and AdaptiveAvgPool2d on NCHW inputs (computed in NHWC).
 * Output sizes follow PyTorch: floor or ceil((size + 2p - d(k-1) - 1)/s) + 1, and with ceil_mode the last
 * window must start inside the input or the left padding.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';
import { assertNCHW, pair, toNCHW, toNHWC } from './layout.js';

/** PyTorch's pooling output size along one axis. */
export function pooledSize(size: number, kernel: number, stride: number, pad: number, ceilMode: boolean, dilation = 1): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out -= 1;
  return out;
}

interface PoolGeometry {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  ceilMode: boolean;
}

function checkGeometry(module: string, g: PoolGeometry): void {
  if (g.padding[0] > g.kernel[0] / 2 || g.padding[1] > g.kernel[1] / 2) {
    throw new Error(`${module}: pad should be at most half of effective kernel size, got padding=(${g.padding.join(', ')}) and kernel_size=(${g.kernel.join(', ')})`);
  }
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

export interface MaxPool2dOptions {
  /** Default: kernel_size. */
  stride?: number | [number, number];
  padding?: number | [number, number];
  ceilMode?: boolean;
}

export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: number | [number, number], options: MaxPool2dOptions = {}) {
    super();
    this.kernelSize = pair(kernelSize, 'MaxPool2d: kernel_size');
    this.stride = pair(options.stride ?? this.kernelSize, 'MaxPool2d: stride');
    this.padding = pair(options.padding ?? 0, 'MaxPool2d: padding', 0);
    this.ceilMode = options.ceilMode ?? false;
    checkGeometry('MaxPool2d', this.geometry);
  }

  private get geometry(): PoolGeometry {
    return { kernel: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode };
  }

  forwardNHWC(x: tf.Tensor4D): tf.Tensor4D {
    const { pads } = explicitPads(this.geometry, x.shape[1], x.shape[2]);
    // Padded cells never win (tfjs pools over in-bounds cells only), like PyTorch's -inf padding.
    return tf.maxPool(x, this.kernelSize, this.stride, [[0, 0], pads[0], pads[1], [0, 0]]);
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'MaxPool2d');
    return tf.tidy(() => toNCHW(this.forwardNHWC(toNHWC(x))));
  }

  override extraRepr(): string {
    const show = (p: [number, number]) => (p[0] === p[1] ? `${p[0]}` : `(${p.join(', ')})`);
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}, dilation=1, ceil_mode=${this.ceilMode ? 'True' : 'False'}`;
  }
}

export interface AvgPool2dOptions extends MaxPool2dOptions {
  /** Count the zero padding in the divisor (PyTorch's default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number | null;
}

export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: number | [number, number], options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = pair(kernelSize, 'AvgPool2d: kernel_size');
    this.stride = pair(options.stride ?? this.kernelSize, 'AvgPool2d: stride');
    this.padding = pair(options.padding ?? 0, 'AvgPool2d: padding', 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
    if (this.divisorOverride !== null && !(this.divisorOverride !== 0 && Number.isFinite(this.divisorOverride))) {
      throw new Error(`AvgPool2d: divisor_override must be a non-zero number, got ${this.divisorOverride}`);
    }
    checkGeometry('AvgPool2d', { kernel: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode });
  }

  /** PyTorch's divisor of every output window (avg_pool2d: padding counts, the ceil overhang does not). */
  divisors(h: number, w: number, out: [number, number]): Float32Array {
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
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
        d[i * out[1] + j] = this.divisorOverride ?? (this.countIncludePad ? poolSize : (he - hs) * (we - ws));
      }
    }
    return d;
  }

  forwardNHWC(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const { out, pads } = explicitPads({ kernel: this.kernelSize, stride: this.stride, padding: this.padding, ceilMode: this.ceilMode }, h, w);
      const padded = pads.flat().some((p) => p > 0) ? tf.pad(x, [[0, 0], pads[0], pads[1], [0, 0]]) : x;
      // Window sums / (kh*kw), rescaled where PyTorch's divisor differs from kh*kw.
      const mean = tf.avgPool(padded, this.kernelSize, this.stride, 'valid');
      const full = this.kernelSize[0] * this.kernelSize[1];
      const divisors = this.divisors(h, w, out);
      if (divisors.every((d) => d === full)) return mean;
      const scale = tf.tensor4d(divisors.map((d) => full / d), [1, out[0], out[1], 1]);
      return tf.mul(mean, scale) as tf.Tensor4D;
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'AvgPool2d');
    return tf.tidy(() => toNCHW(this.forwardNHWC(toNHWC(x))));
  }

  override extraRepr(): string {
    const show = (p: [number, number]) => (p[0] === p[1] ? `${p[0]}` : `(${p.join(', ')})`);
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.stride)}, padding=${show(this.padding)}`;
  }
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

export class AdaptiveAvgPool2d extends Module {
  /** [h, w]; null keeps that input size. */
  readonly outputSize: [number | null, number | null];

  constructor(outputSize: number | [number | null, number | null]) {
    super();
    const p: [number | null, number | null] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
    if (p.some((v) => v !== null && (!Number.isInteger(v) || v < 1))) {
      throw new Error(`AdaptiveAvgPool2d: output_size must be positive integers or null, got ${JSON.stringify(outputSize)}`);
    }
    this.outputSize = p;
  }

  /** NCHW in and out: x (H x W) -> Ph (Ho x H) . x . Pw^T (W x Wo), two GEMMs. */
  forward(x: tf.Tensor): tf.Tensor {
    assertNCHW(x, 'AdaptiveAvgPool2d');
    return tf.tidy(() => {
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const ho = this.outputSize[0] ?? h;
      const wo = this.outputSize[1] ?? w;
      const pwT = tf.transpose(tf.tensor2d(adaptiveMatrix(w, wo), [wo, w]));
      const alongW = tf.matMul(tf.reshape(x, [n * c * h, w]) as tf.Tensor2D, pwT as tf.Tensor2D); // [n*c*h, wo]
      const cols = tf.transpose(tf.reshape(alongW, [n * c, h, wo]), [0, 2, 1]); // [n*c, wo, h]
      const phT = tf.transpose(tf.tensor2d(adaptiveMatrix(h, ho), [ho, h]));
      const both = tf.matMul(tf.reshape(cols, [n * c * wo, h]) as tf.Tensor2D, phT as tf.Tensor2D); // [n*c*wo, ho]
      return tf.reshape(tf.transpose(tf.reshape(both, [n * c, wo, ho]), [0, 2, 1]), [n, c, ho, wo]);
    });
  }

  override extraRepr(): string {
    const show = (v: number | null) => (v === null ? 'None' : String(v));
    return `output_size=${this.outputSize[0] === this.outputSize[1] ? show(this.outputSize[0]) : `(${this.outputSize.map(show).join(', ')})`}`;
  }
}
