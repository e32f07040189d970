/**
 * Known wrong semantics, applied to the TS side one at a time by monkey-patching a prototype (test-only; no
 * flag in production code). Each mutation names the parity check that must catch it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Adam, SGD } from '../../src/train/optim/index.js';
import { Flatten } from '../../src/nn/flatten.js';
import { ReLU } from '../../src/nn/activation.js';
import { CrossEntropyLoss } from '../../src/train/loss/cross-entropy.js';
import type { Parameter } from '../../src/nn/parameter.js';
import type { AdamOptions, SGDOptions } from '../../src/train/optim/index.js';

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
function flattenNhwc(this: Flatten, x: tf.Tensor): tf.Tensor {
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
    name: 'CrossEntropyLoss: log of clipped probabilities',
    caughtBy: 'losses:CrossEntropyLoss logits +-100',
    apply: () => patch(CrossEntropyLoss.prototype, 'call', clippedCrossEntropy),
  },
];

/** The localisation mutation: one module instance of a model computes the wrong function. */
export function mutateInstanceToLeakyRelu(module: ReLU): void {
  (module as unknown as { forward: (x: tf.Tensor) => tf.Tensor }).forward = leakyRelu.bind(module);
}
