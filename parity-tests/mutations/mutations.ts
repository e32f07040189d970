/**
 * Known wrong semantics, applied to the TS side one at a time by monkey-patching a prototype (test-only; no
 * flag in production code). Each mutation names the parity check that must catch it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam, SGD } from '../../src/train/optim/index.js';
import { Flatten } from '../../src/nn/flatten.js';
import { ReLU } from '../../src/nn/activation.js';
import { CrossEntropyLoss } from '../../src/nn/loss/index.js';
import type { Parameter } from '../../src/nn/parameter.js';
import type { AdamOptions, SGDOptions } from '../../src/train/optim/index.js';
import { BatchNorm2d } from '../../src/nn/batchnorm.js';
import { Conv2d } from '../../src/nn/conv.js';
import type { ModuleBuffer } from '../../src/nn/parameter.js';

type OptimizerState = { step: number; tensors: Map<string, tf.Tensor> };
type Update<O> = (this: { setState(st: OptimizerState, name: string, value: tf.Tensor): void }, p: Parameter, grad: tf.Tensor, o: O, st: OptimizerState) => void;

/** Replaces a (possibly protected) method on a prototype; returns the function that restores it. */
function patch<T extends object>(proto: T, name: string, replacement: unknown): () => void {
  const target = proto as unknown as Record<string, unknown>;
  const original = target[name];
  target[name] = replacement;
  return () => {
    target[name] = original;
  };
}

/** Replaces a getter on a prototype; returns the function that restores it. */
function patchGetter<T extends object>(proto: T, name: string, get: (this: never) => unknown): () => void {
  const original = Object.getOwnPropertyDescriptor(proto, name);
  if (!original) throw new Error(`mutation: ${name} is not a property of the prototype`);
  Object.defineProperty(proto, name, { ...original, get });
  return () => Object.defineProperty(proto, name, original);
}

export interface Mutation {
  name: string;
  /** The parity check that must fail: `${subject}:${case name}`. */
  caughtBy: string;
  apply(): () => void;
}

/** Adam with eps added before the bias correction of the second moment: (sqrt(v) + eps) / sqrt(1 - beta2^t). */
const adamEpsBeforeBiasCorrection: Update<AdamOptions> = function (p, grad, o, st) {
  const [beta1, beta2] = o.betas;
  const t = st.step;
  const next = tf.tidy(() => {
    let g = grad;
    let param: tf.Tensor = p.variable;
    if (o.weightDecay !== 0) {
      if (o.decoupledWeightDecay) param = tf.mul(param, 1 - o.lr * o.weightDecay);
      else g = tf.add(g, tf.mul(param, o.weightDecay));
    }
    const mPrev = st.tensors.get('exp_avg') ?? tf.zerosLike(g);
    const vPrev = st.tensors.get('exp_avg_sq') ?? tf.zerosLike(g);
    const m = tf.add(tf.mul(mPrev, beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(vPrev, beta2), tf.mul(tf.square(g), 1 - beta2));
    this.setState(st, 'exp_avg', m);
    this.setState(st, 'exp_avg_sq', v);
    const denom = tf.div(tf.add(tf.sqrt(v), o.eps), Math.sqrt(1 - beta2 ** t)); // WRONG: eps inside the correction
    return tf.sub(param, tf.mul(tf.div(m, denom), o.lr / (1 - beta1 ** t)));
  });
  p.assign(next);
};

/** SGD momentum with the dampened update already on the first step (PyTorch starts the buffer at g). */
const sgdDampenedFirstStep: Update<SGDOptions> = function (p, grad, o, st) {
  const next = tf.tidy(() => {
    let g = grad;
    if (o.weightDecay !== 0) g = tf.add(g, tf.mul(p.variable, o.weightDecay));
    if (o.momentum !== 0) {
      const prev = st.tensors.get('momentum_buffer') ?? tf.zerosLike(g);
      const buf = tf.add(tf.mul(prev, o.momentum), tf.mul(g, 1 - o.dampening)); // WRONG on the first step
      this.setState(st, 'momentum_buffer', buf);
      g = o.nesterov ? tf.add(g, tf.mul(buf, o.momentum)) : buf;
    }
    return tf.sub(p.variable, tf.mul(g, o.lr));
  });
  p.assign(next);
};

/** Flatten of an NCHW input in NHWC (channels-last) order: Linear weights after it would need a permutation. */
export function flattenNhwc(this: Flatten, x: tf.Tensor): tf.Tensor {
  if (x.rank !== 4) return tf.reshape(x, [x.shape[0]!, -1]);
  return tf.tidy(() => tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [x.shape[0]!, -1])); // WRONG order
}

/** Cross-entropy from clipped probabilities (tfjs-layers style): wrong for confident logits (+-100). */
function clippedCrossEntropy(this: CrossEntropyLoss, input: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const probs = tf.clipByValue(tf.softmax(input), 1e-7, 1 - 1e-7);
    const oneHot = tf.cast(tf.oneHot(tf.cast(target, 'int32') as tf.Tensor1D, input.shape[1]!), 'float32');
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(probs)), 1)));
  });
}

interface BatchNormInternals {
  momentum: number | null;
  running_mean: ModuleBuffer;
  running_var: ModuleBuffer;
  num_batches_tracked: ModuleBuffer;
}

/** BatchNorm running statistics with a wrong update rule, given the new mean/variance and the batch factor. */
function batchNormUpdate(rule: 'momentum-as-keep' | 'biased-variance') {
  return function (this: BatchNormInternals, mean: tf.Tensor, variance: tf.Tensor, count: number): void {
    const batches = (this.num_batches_tracked.value.dataSync()[0] ?? 0) + 1;
    this.num_batches_tracked.set(tf.scalar(batches, 'int32'));
    let keep = 1 - (this.momentum ?? 1 / batches);
    let v = tf.mul(variance, count / (count - 1));
    if (rule === 'momentum-as-keep') keep = 1 - keep; // WRONG: momentum 0.1 read as Keras' 0.9 (weight of the old value)
    if (rule === 'biased-variance') v = variance; // WRONG: the biased batch variance
    this.running_mean.set(tf.add(tf.mul(this.running_mean.value, keep), tf.mul(mean, 1 - keep)));
    this.running_var.set(tf.add(tf.mul(this.running_var.value, keep), tf.mul(v, 1 - keep)));
  };
}

/** TF-style 'same' padding: the extra row/column of an even kernel goes top/left instead of bottom/right. */
function samePaddingTopLeft(this: Conv2d): [[number, number], [number, number]] {
  if (this.padding !== 'same') throw new Error('mutation only used with padding="same"');
  return [0, 1].map((i) => {
    const total = this.dilation[i]! * (this.kernelSize[i]! - 1);
    const before = Math.ceil(total / 2); // WRONG side
    return [before, total - before];
  }) as [[number, number], [number, number]];
}

/** ReLU that leaks (slope 0.01) below zero. */
function leakyRelu(this: ReLU, x: tf.Tensor): tf.Tensor {
  return tf.leakyRelu(x, 0.01);
}

export const MUTATIONS: Mutation[] = [
  { name: "Adam: eps added before the second moment's bias correction", caughtBy: 'optim:Adam eps=1e-3', apply: () => patch(Adam.prototype, 'update', adamEpsBeforeBiasCorrection) },
  {
    name: 'SGD: dampening applied on the first momentum step',
    caughtBy: 'optim:SGD momentum=0.8 dampening=0.3 weight_decay=0.01',
    apply: () => patch(SGD.prototype, 'update', sgdDampenedFirstStep),
  },
  { name: 'Flatten: NHWC (channels-last) order', caughtBy: 'layers:Flatten NCHW', apply: () => patch(Flatten.prototype, 'forward', flattenNhwc) },
  {
    name: 'BatchNorm2d: momentum 0.1 used as the weight of the old running value (momentum 0.9)',
    caughtBy: 'layers:BatchNorm2d(5) train, running stats after 4 steps',
    apply: () => patch(BatchNorm2d.prototype, 'updateRunningStats', batchNormUpdate('momentum-as-keep')),
  },
  {
    name: 'BatchNorm2d: biased running_var',
    caughtBy: 'layers:BatchNorm2d(5) train, running stats after 4 steps',
    apply: () => patch(BatchNorm2d.prototype, 'updateRunningStats', batchNormUpdate('biased-variance')),
  },
  {
    name: "Conv2d: TF-style 'same' padding (extra pad top/left)",
    caughtBy: "layers:Conv2d(3,6,4) padding='same' (even kernel)",
    apply: () => patchGetter(Conv2d.prototype, 'pads', samePaddingTopLeft as (this: never) => unknown),
  },
  {
    name: 'CrossEntropyLoss: log of clipped probabilities',
    caughtBy: 'losses:CrossEntropyLoss logits +-100',
    apply: () => patch(CrossEntropyLoss.prototype, 'forward', clippedCrossEntropy),
  },
];

/** The localisation mutation: one module instance of a model computes the wrong function. */
export function mutateInstanceToLeakyRelu(module: ReLU): void {
  (module as unknown as { forward: (x: tf.Tensor) => tf.Tensor }).forward = leakyRelu.bind(module);
}
