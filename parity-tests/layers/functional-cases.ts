/**
 * torch.nn.functional parity cases: each runs F.<op> on our side and in PyTorch (float64 and float32) on the same
 * random, asymmetric, odd-sized input; compares the output and d <output, cotangent> / d input with a random
 * cotangent under the policy. The ops of src/nn/functional/layers.ts (linear, conv2d, pooling, batch_norm, relu)
 * are the layouts stream's and have their own cases.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as F from '../../src/nn/functional/index.js';
import { fromHost, toHost } from '../../src/nn/host.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/bridge/parity-report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { compareTensor } from '../support/tolerance.js';
import { pick, reference } from '../support/reference.js';
import { PARITY_SEED, randint, randn } from '../support/random.js';

export interface FunctionalCase {
  name: string;
  /** The torch.nn.functional name. */
  op: string;
  /** torch keyword arguments (JSON). */
  kwargs?: Record<string, unknown>;
  input: HostTensor;
  /** Tensors passed positionally after the input (targets), in order. */
  extra?: Array<[string, HostTensor]>;
  /** Tensors passed as torch keyword arguments (weight, pos_weight). */
  tensorKwargs?: Array<[string, HostTensor]>;
  /** Our call, given the input and the extra tensors (then the tensor kwargs) in order. */
  ours(x: tf.Tensor, ...tensors: tf.Tensor[]): tf.Tensor;
  /** False for ops without an input gradient (one_hot). */
  grad?: boolean;
}

function probabilities(label: string, shape: number[]): HostTensor {
  const t = randn(label, shape);
  const data = t.data as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] = 1 / (1 + Math.exp(-data[i]!));
  return t;
}

/** Softmax of random logits along dim 1: class-probability targets. */
function classProbabilities(label: string, shape: number[]): HostTensor {
  const t = randn(label, shape, 2);
  const data = t.data as Float32Array;
  const [n, c] = shape as [number, number];
  const inner = data.length / (n * c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inner; k++) {
      let sum = 0;
      for (let j = 0; j < c; j++) sum += Math.exp(data[(i * c + j) * inner + k]!);
      for (let j = 0; j < c; j++) data[(i * c + j) * inner + k] = Math.exp(data[(i * c + j) * inner + k]!) / sum;
    }
  }
  return t;
}

const weight5: HostTensor = { dtype: 'float32', shape: [5], data: Float32Array.from([0.4, 1.6, 0.9, 2.1, 1.2]) };

export const FUNCTIONAL_CASES: FunctionalCase[] = [
  { name: 'F.gelu', op: 'gelu', input: randn('f/gelu', [3, 5, 7], 2), ours: (x) => F.gelu(x) },
  { name: "F.gelu approximate='tanh'", op: 'gelu', kwargs: { approximate: 'tanh' }, input: randn('f/gelut', [3, 5, 7], 2), ours: (x) => F.gelu(x, { approximate: 'tanh' }) },
  { name: 'F.leaky_relu', op: 'leaky_relu', input: randn('f/lrelu', [3, 5, 7]), ours: (x) => F.leaky_relu(x) },
  { name: 'F.leaky_relu(0.2)', op: 'leaky_relu', kwargs: { negative_slope: 0.2 }, input: randn('f/lrelu2', [3, 5, 7]), ours: (x) => F.leaky_relu(x, 0.2) },
  { name: 'F.sigmoid', op: 'sigmoid', input: randn('f/sigmoid', [3, 5, 7], 3), ours: (x) => F.sigmoid(x) },
  { name: 'F.tanh', op: 'tanh', input: randn('f/tanh', [3, 5, 7], 2), ours: (x) => F.tanh(x) },
  { name: 'F.softmax dim=1', op: 'softmax', kwargs: { dim: 1 }, input: randn('f/softmax1', [3, 5, 7], 3), ours: (x) => F.softmax(x, 1) },
  { name: 'F.softmax dim=-1', op: 'softmax', kwargs: { dim: -1 }, input: randn('f/softmax-1', [3, 5, 7], 3), ours: (x) => F.softmax(x, -1) },
  { name: 'F.log_softmax dim=0', op: 'log_softmax', kwargs: { dim: 0 }, input: randn('f/logsoftmax0', [3, 5, 7], 3), ours: (x) => F.log_softmax(x, 0) },
  { name: 'F.log_softmax dim=1', op: 'log_softmax', kwargs: { dim: 1 }, input: randn('f/logsoftmax1', [4, 9], 3), ours: (x) => F.log_softmax(x, 1) },
  { name: 'F.dropout training=False', op: 'dropout', kwargs: { p: 0.3, training: false }, input: randn('f/dropout', [4, 9]), ours: (x) => F.dropout(x, 0.3, false) },
  { name: 'F.pad constant (1,2,0,3) value=0.5', op: 'pad', kwargs: { pad: [1, 2, 0, 3], mode: 'constant', value: 0.5 }, input: randn('f/padc', [2, 3, 5, 7]), ours: (x) => F.pad(x, [1, 2, 0, 3], { value: 0.5 }) },
  { name: 'F.pad reflect (2,1,1,3)', op: 'pad', kwargs: { pad: [2, 1, 1, 3], mode: 'reflect' }, input: randn('f/padr', [2, 3, 5, 7]), ours: (x) => F.pad(x, [2, 1, 1, 3], { mode: 'reflect' }) },
  { name: 'F.pad replicate (2,1,1,3)', op: 'pad', kwargs: { pad: [2, 1, 1, 3], mode: 'replicate' }, input: randn('f/padrep', [2, 3, 5, 7]), ours: (x) => F.pad(x, [2, 1, 1, 3], { mode: 'replicate' }) },
  { name: 'F.pad circular (2,1,1,3)', op: 'pad', kwargs: { pad: [2, 1, 1, 3], mode: 'circular' }, input: randn('f/padcirc', [2, 3, 5, 7]), ours: (x) => F.pad(x, [2, 1, 1, 3], { mode: 'circular' }) },
  { name: 'F.pad reflect 1d (3,2)', op: 'pad', kwargs: { pad: [3, 2], mode: 'reflect' }, input: randn('f/padr1', [2, 3, 7]), ours: (x) => F.pad(x, [3, 2], { mode: 'reflect' }) },
  { name: 'F.one_hot num_classes=6', op: 'one_hot', kwargs: { num_classes: 6 }, input: randint('f/onehot', [3, 5], 6), ours: (x) => F.one_hot(x, 6), grad: false },
  { name: 'F.one_hot inferred classes', op: 'one_hot', input: randint('f/onehot2', [7], 4), ours: (x) => F.one_hot(x), grad: false },
  {
    name: 'F.cross_entropy [N,C,d] targets, weight, label_smoothing',
    op: 'cross_entropy',
    kwargs: { label_smoothing: 0.1 },
    input: randn('f/ce3/x', [3, 5, 4], 2),
    extra: [['target', randint('f/ce3/y', [3, 4], 5)]],
    tensorKwargs: [['weight', weight5]],
    ours: (x, y, w) => F.cross_entropy(x, y!, { weight: w!, labelSmoothing: 0.1 }),
  },
  {
    name: "F.cross_entropy class probabilities, reduction='none'",
    op: 'cross_entropy',
    kwargs: { reduction: 'none', label_smoothing: 0.2 },
    input: randn('f/ceprob/x', [4, 5], 2),
    extra: [['target', classProbabilities('f/ceprob/y', [4, 5])]],
    ours: (x, y) => F.cross_entropy(x, y!, { reduction: 'none', labelSmoothing: 0.2 }),
  },
  {
    name: 'F.cross_entropy unbatched [C]',
    op: 'cross_entropy',
    input: randn('f/ce1/x', [5], 2),
    extra: [['target', { dtype: 'int64', shape: [], data: BigInt64Array.from([3n]) }]],
    ours: (x, y) => F.cross_entropy(x, y!),
  },
  {
    name: "F.nll_loss [N,C,d1,d2] reduction='sum'",
    op: 'nll_loss',
    kwargs: { reduction: 'sum' },
    input: randn('f/nll4/x', [2, 5, 3, 2], 2),
    extra: [['target', randint('f/nll4/y', [2, 3, 2], 5)]],
    ours: (x, y) => F.nll_loss(x, y!, { reduction: 'sum' }),
  },
  { name: 'F.mse_loss', op: 'mse_loss', input: randn('f/mse/x', [3, 5, 7]), extra: [['target', randn('f/mse/y', [3, 5, 7])]], ours: (x, y) => F.mse_loss(x, y!) },
  { name: 'F.l1_loss', op: 'l1_loss', input: randn('f/l1/x', [3, 5, 7]), extra: [['target', randn('f/l1/y', [3, 5, 7])]], ours: (x, y) => F.l1_loss(x, y!) },
  {
    name: 'F.smooth_l1_loss beta=0.5',
    op: 'smooth_l1_loss',
    kwargs: { beta: 0.5 },
    input: randn('f/sl1/x', [3, 5, 7]),
    extra: [['target', randn('f/sl1/y', [3, 5, 7])]],
    ours: (x, y) => F.smooth_l1_loss(x, y!, { beta: 0.5 }),
  },
  {
    name: "F.huber_loss delta=0.7 reduction='none'",
    op: 'huber_loss',
    kwargs: { delta: 0.7, reduction: 'none' },
    input: randn('f/huber/x', [3, 5, 7]),
    extra: [['target', randn('f/huber/y', [3, 5, 7])]],
    ours: (x, y) => F.huber_loss(x, y!, { delta: 0.7, reduction: 'none' }),
  },
  {
    name: 'F.binary_cross_entropy weight',
    op: 'binary_cross_entropy',
    input: probabilities('f/bce/x', [4, 5]),
    extra: [['target', probabilities('f/bce/y', [4, 5])]],
    tensorKwargs: [['weight', weight5]],
    ours: (x, y, w) => F.binary_cross_entropy(x, y!, { weight: w! }),
  },
  {
    name: "F.binary_cross_entropy_with_logits pos_weight, reduction='sum'",
    op: 'binary_cross_entropy_with_logits',
    kwargs: { reduction: 'sum' },
    input: randn('f/bcel/x', [4, 5], 3),
    extra: [['target', probabilities('f/bcel/y', [4, 5])]],
    tensorKwargs: [['pos_weight', weight5]],
    ours: (x, y, pw) => F.binary_cross_entropy_with_logits(x, y!, { posWeight: pw!, reduction: 'sum' }),
  },
];

/** Our output and d <output, cotangent> / d input. */
function runOurs(c: FunctionalCase): { output: HostTensor; grad: HostTensor | null; cotangent: HostTensor | null } {
  let result: { output: HostTensor; grad: HostTensor | null; cotangent: HostTensor | null } | null = null;
  tf.tidy(() => {
    result = compute();
  });
  return result!;
  function compute(): { output: HostTensor; grad: HostTensor | null; cotangent: HostTensor | null } {
    const x = fromHost(c.input);
    const tensors = [...(c.extra ?? []), ...(c.tensorKwargs ?? [])].map(([, t]) => fromHost(t));
    const out = c.ours(x, ...tensors);
    const output = toHost(out, out.dtype === 'int32' ? 'int32' : 'float32');
    if (c.grad === false) return { output, grad: null, cotangent: null };
    const cotangent = randn(`${c.name}/cotangent`, out.shape);
    const cot = fromHost(cotangent);
    const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(c.ours(input, ...tensors), cot)))(x);
    return { output, grad: toHost(grad, 'float32'), cotangent };
  }
}

/** Float64 view of an integer host tensor (one_hot's output), for the comparison. */
function asFloat(t: HostTensor): HostTensor {
  if (t.dtype === 'float32' || t.dtype === 'float64') return t;
  return { dtype: 'float64', shape: t.shape, data: Float64Array.from(Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v))) };
}

/**
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use (recorded)
 */
export async function runFunctionalCase(py: PythonBridge, c: FunctionalCase, backend: string): Promise<ParityRow[]> {
  const t = runOurs(c);
  const sent: StateDict = new Map([['input', c.input]]);
  for (const [name, tensor] of [...(c.extra ?? []), ...(c.tensorKwargs ?? [])]) sent.set(name, tensor);
  if (t.cotangent) sent.set('cotangent', t.cotangent);
  const args = { op: c.op, kwargs: c.kwargs ?? {}, extra: (c.extra ?? []).map(([n]) => n), tensor_kwargs: (c.tensorKwargs ?? []).map(([n]) => n), grad: c.grad !== false };
  const ref = await reference(py, 'functional_step', args, sent);
  const ctx = (tensor: string) => ({ subject: 'layers', name: `functional/${c.name}/${tensor}`, backend, seed: PARITY_SEED });
  const rows = [compareTensor(ctx('output'), asFloat(t.output).data as Float32Array, asFloat(pick(ref.g, 'output')), asFloat(pick(ref.p, 'output')))];
  if (t.grad) rows.push(compareTensor(ctx('grad.input'), t.grad.data as Float32Array, pick(ref.g, 'grad.input'), pick(ref.p, 'grad.input')));
  return rows;
}
