/**
 * torch.nn.init: fills a Parameter in place from twinml's seeded generator, with PyTorch's fan rules on PyTorch
 * layouts (a weight is [out, in, ...kernel]: fan_in = in·receptive field, fan_out = out·receptive field).
 * Each function returns the parameter, as torch's do. Seed with `manual_seed` or pass `{ generator }`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { numel } from '../util/host-tensor.js';
import type { Rng } from '../util/rng.js';
import { fillNormal, getDefaultGenerator } from './generator.js';
import { Parameter } from './parameter.js';

/** What the init functions fill: a Parameter or a tf.Variable, in PyTorch's layout. */
export type InitTarget = Parameter | tf.Variable;

/** The nonlinearities `calculate_gain` knows, as in torch. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/** Options of the random init functions. */
export interface InitOptions {
  /** Where the numbers come from (default: the global generator set by `manual_seed`). */
  generator?: Rng;
}

/** Options of kaiming_uniform_ and kaiming_normal_ (torch's keyword arguments). */
export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leaky_relu that follows (default 0). */
  a?: number;
  /** 'fan_in' (default) preserves the forward variance, 'fan_out' the backward one. */
  mode?: 'fan_in' | 'fan_out';
  /** Default 'leaky_relu' (with `a`), as in torch. */
  nonlinearity?: Nonlinearity;
}

/** fan_in and fan_out of a weight in PyTorch layout ([out, in, ...kernel]). */
export function calculateFanInAndFanOut(torchShape: number[]): { fanIn: number; fanOut: number } {
  if (torchShape.length < 2) throw new Error(`fan in/out needs at least 2 dimensions, got [${torchShape.join(', ')}]`);
  const receptive = torchShape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: torchShape[1]! * receptive, fanOut: torchShape[0]! * receptive };
}

/**
 * torch.nn.init.calculate_gain(nonlinearity, param=None): the recommended gain for a nonlinearity
 * (linear/conv/sigmoid 1, tanh 5/3, relu √2, leaky_relu √(2/(1+slope²)) with slope `param` (default 0.01), selu 3/4).
 */
export function calculate_gain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new Error(`calculate_gain: negative_slope ${param} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculate_gain: unsupported nonlinearity '${nonlinearity as string}'`);
  }
}

/** The camelCase name of {@link calculate_gain} (kept for existing callers). */
export const calculateGain = calculate_gain;

/** Uniform(-bound, bound) values for a tensor of the given shape (used by the modules' default init). */
export function uniform(shape: number[], bound: number, rng: Rng = getDefaultGenerator()): tf.Tensor {
  const values = new Float32Array(numel(shape));
  rng.fillUniform(values, -bound, bound);
  return tf.tensor(values, shape, 'float32');
}

/**
 * The bound of kaiming_uniform_(w, a, mode='fan_in', nonlinearity='leaky_relu') for a weight whose PyTorch shape
 * is `torchShape` (the modules' default init uses a = √5).
 */
export function kaimingUniformBound(torchShape: number[], a = Math.sqrt(5)): number {
  const { fanIn } = calculateFanInAndFanOut(torchShape);
  const gain = calculate_gain('leaky_relu', a);
  return Math.sqrt(3) * (gain / Math.sqrt(fanIn));
}

/** The bias bound PyTorch's Linear/Conv use: 1/sqrt(fan_in) (0 when fan_in is 0). */
export function biasBound(torchWeightShape: number[]): number {
  const { fanIn } = calculateFanInAndFanOut(torchWeightShape);
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

function variableOf(target: InitTarget): tf.Variable {
  if (target instanceof Parameter) return target.variable;
  if (target instanceof tf.Variable) return target;
  throw new Error('nn.init: expected a Parameter or a tf.Variable');
}

/** Writes `values` (in the target's shape, row-major) into the target. */
function fill<T extends InitTarget>(target: T, values: Float32Array): T {
  const v = variableOf(target);
  const t = tf.tensor(values, v.shape, 'float32');
  v.assign(v.dtype === 'float32' ? t : tf.cast(t, v.dtype));
  t.dispose();
  return target;
}

function sizeOf(target: InitTarget): number {
  return variableOf(target).size;
}

/** torch.nn.init.uniform_(tensor, a=0, b=1): values from U(a, b). */
export function uniform_<T extends InitTarget>(tensor: T, a = 0, b = 1, options: InitOptions = {}): T {
  if (!(b >= a)) throw new Error(`uniform_: expected a <= b, got a=${a}, b=${b}`);
  return fill(tensor, (options.generator ?? getDefaultGenerator()).fillUniform(new Float32Array(sizeOf(tensor)), a, b));
}

/** torch.nn.init.normal_(tensor, mean=0, std=1): values from N(mean, std²). */
export function normal_<T extends InitTarget>(tensor: T, mean = 0, std = 1, options: InitOptions = {}): T {
  if (!(std >= 0)) throw new Error(`normal_: std must be >= 0, got ${std}`);
  return fill(tensor, fillNormal(new Float32Array(sizeOf(tensor)), options.generator ?? getDefaultGenerator(), mean, std));
}

/**
 * torch.nn.init.trunc_normal_(tensor, mean=0, std=1, a=-2, b=2): N(mean, std²) restricted to [a, b]
 * (rejection sampling: the same distribution as torch's inverse-CDF method).
 */
export function trunc_normal_<T extends InitTarget>(tensor: T, mean = 0, std = 1, a = -2, b = 2, options: InitOptions = {}): T {
  if (!(std > 0) || !(b > a)) throw new Error(`trunc_normal_: expected std > 0 and a < b, got std=${std}, a=${a}, b=${b}`);
  const lo = (a - mean) / std;
  const hi = (b - mean) / std;
  if (lo > 5 || hi < -5) throw new Error(`trunc_normal_: [a, b] = [${a}, ${b}] is more than 5 std from the mean ${mean}; sampling would not end`);
  const rng = options.generator ?? getDefaultGenerator();
  const values = new Float32Array(sizeOf(tensor));
  for (let i = 0; i < values.length; i++) {
    let z = rng.normal();
    while (z < lo || z > hi) z = rng.normal();
    values[i] = Math.min(b, Math.max(a, mean + std * z));
  }
  return fill(tensor, values);
}

/** torch.nn.init.constant_(tensor, val). */
export function constant_<T extends InitTarget>(tensor: T, val: number): T {
  return fill(tensor, new Float32Array(sizeOf(tensor)).fill(val));
}

/** torch.nn.init.zeros_(tensor). */
export function zeros_<T extends InitTarget>(tensor: T): T {
  return constant_(tensor, 0);
}

/** torch.nn.init.ones_(tensor). */
export function ones_<T extends InitTarget>(tensor: T): T {
  return constant_(tensor, 1);
}

/** torch.nn.init.xavier_uniform_(tensor, gain=1): U(-b, b) with b = gain·√(6/(fan_in + fan_out)). */
export function xavier_uniform_<T extends InitTarget>(tensor: T, gain = 1, options: InitOptions = {}): T {
  const { fanIn, fanOut } = calculateFanInAndFanOut(variableOf(tensor).shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(tensor, -bound, bound, options);
}

/** torch.nn.init.xavier_normal_(tensor, gain=1): N(0, std²) with std = gain·√(2/(fan_in + fan_out)). */
export function xavier_normal_<T extends InitTarget>(tensor: T, gain = 1, options: InitOptions = {}): T {
  const { fanIn, fanOut } = calculateFanInAndFanOut(variableOf(tensor).shape);
  return normal_(tensor, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

function kaimingStd(tensor: InitTarget, options: KaimingOptions, what: string): number {
  const mode = options.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new Error(`${what}: mode must be 'fan_in' or 'fan_out', got '${mode as string}'`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(variableOf(tensor).shape);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) throw new Error(`${what}: cannot initialise a tensor with a zero ${mode}`);
  return calculate_gain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0) / Math.sqrt(fan);
}

/**
 * torch.nn.init.kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu'):
 * U(-b, b) with b = gain·√(3/fan).
 */
export function kaiming_uniform_<T extends InitTarget>(tensor: T, options: KaimingOptions = {}): T {
  const bound = Math.sqrt(3) * kaimingStd(tensor, options, 'kaiming_uniform_');
  return uniform_(tensor, -bound, bound, options);
}

/**
 * torch.nn.init.kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu'): N(0, std²) with
 * std = gain/√fan.
 */
export function kaiming_normal_<T extends InitTarget>(tensor: T, options: KaimingOptions = {}): T {
  return normal_(tensor, 0, kaimingStd(tensor, options, 'kaiming_normal_'), options);
}
