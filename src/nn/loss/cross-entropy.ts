/**
 * Mirrors torch.nn.functional.cross_entropy and torch.nn.CrossEntropyLoss(weight=None, ignore_index=-100,
 * reduction='mean', label_smoothing=0.0), computed from log-softmax (never from clipped probabilities), for
 * class-index targets and for class-probability targets.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SOFTMAX_CROSS_ENTROPY } from '../../backend/kernel-names.js';
import { ModuleBuffer } from '../parameter.js';
import { Loss } from './loss-module.js';
import { checkReduction, weightTensor, type Reduction, type WeightInput } from './reduction.js';
import { classRows, indexTargets, pickWeights, probabilityRows } from './class-targets.js';

/** Options of {@link cross_entropy} and {@link CrossEntropyLoss} (torch's keyword arguments, camelCase). */
export interface CrossEntropyOptions {
  /** A weight per class (length C); default none (all 1). */
  weight?: WeightInput | null;
  /** Class-index targets equal to this count for nothing (default -100). */
  ignoreIndex?: number;
  /** 'mean' (default; weighted mean over the samples not ignored), 'sum' or 'none'. */
  reduction?: Reduction;
  /** Mixes the target with the uniform distribution: (1 - ε)·target + ε/C (default 0, in [0, 1]). */
  labelSmoothing?: number;
}

function fusedAvailable(): boolean {
  return tf.getKernel(SOFTMAX_CROSS_ENTROPY, tf.getBackend()) !== undefined;
}

/** The unweighted, unsmoothed loss of rows [N, C] through the fused kernel; its gradient is (softmax - onehot)·dy. */
function fusedCrossEntropy(input: tf.Tensor, target: tf.Tensor, ignoreIndex: number, reduction: Reduction): tf.Tensor {
  const targetInt = target.dtype === 'int32' ? target : tf.cast(target, 'int32');
  const n = input.shape[0]!;
  const lossOf = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [logits, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const attrs = { ignoreIndex } as unknown as tf.NamedAttrMap;
    const [perSample, unitGrad, count] = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, target: targetInt }, attrs) as tf.Tensor[];
    save([unitGrad!, count!]);
    const value = reduction === 'none' ? perSample! : reduction === 'sum' ? tf.sum(perSample!) : tf.div(tf.sum(perSample!), count!);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [g, cnt] = saved as [tf.Tensor, tf.Tensor];
      if (reduction === 'none') return tf.mul(g, tf.reshape(dy, [n, 1]));
      return tf.mul(g, reduction === 'sum' ? dy : tf.div(dy, cnt));
    };
    return { value, gradFunc };
  }) as Parameters<typeof tf.customGrad>[0]);
  return lossOf(input);
}

/**
 * torch.nn.functional.cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean',
 * label_smoothing=0.0).
 * @param input - unnormalised logits: [C], [N, C] or [N, C, d1, ...]
 * @param target - class indices (int32; [], [N] or [N, d1, ...]), or class probabilities (float32, input's shape)
 * @param options - weight, ignoreIndex, reduction, labelSmoothing
 * @returns a scalar, or per-sample losses of the target's sample shape with reduction 'none'
 */
export function cross_entropy(input: tf.Tensor, target: tf.Tensor, options: CrossEntropyOptions = {}): tf.Tensor {
  const what = 'cross_entropy';
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = checkReduction(options.reduction ?? 'mean', what);
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`${what}: label_smoothing must be in [0, 1], got ${smoothing}`);
  const probabilities = target.rank === input.rank && input.rank > 0 && target.dtype === 'float32';
  if (input.rank === 2 && !probabilities && !options.weight && smoothing === 0 && input.dtype === 'float32' && fusedAvailable()) {
    return tf.tidy(() => fusedCrossEntropy(input, indexTargets(target, [input.shape[0]!], input.shape, what), ignoreIndex, reduction));
  }
  return tf.tidy(() => {
    const { rows, classes, sampleShape } = classRows(input, what);
    const classWeight = options.weight ? weightTensor(options.weight) : null;
    if (classWeight && classWeight.size !== classes) throw new Error(`${what}: weight has ${classWeight.size} entries but the input has ${classes} classes`);
    const logp = tf.logSoftmax(rows, -1);
    const weightedLogp = classWeight ? tf.mul(logp, classWeight) : logp;
    let perSample: tf.Tensor;
    let denominator: tf.Tensor | number;
    if (probabilities) {
      let t: tf.Tensor = probabilityRows(target, input, what);
      if (smoothing > 0) t = tf.add(tf.mul(t, 1 - smoothing), smoothing / classes);
      perSample = tf.neg(tf.sum(tf.mul(weightedLogp, t), 1));
      denominator = rows.shape[0];
    } else {
      const targets = indexTargets(target, sampleShape, input.shape, what);
      const { oneHot, sampleWeight, valid } = pickWeights(targets, classes, ignoreIndex, classWeight);
      perSample = tf.neg(tf.mul(tf.sum(tf.mul(oneHot, logp), 1), sampleWeight));
      if (smoothing > 0) {
        const smooth = tf.mul(tf.neg(tf.sum(weightedLogp, 1)), valid);
        perSample = tf.add(tf.mul(perSample, 1 - smoothing), tf.mul(smooth, smoothing / classes));
      }
      denominator = tf.sum(sampleWeight);
    }
    if (reduction === 'none') return tf.reshape(perSample, sampleShape);
    const total = tf.sum(perSample);
    return reduction === 'sum' ? total : tf.div(total, denominator);
  });
}

/**
 * torch.nn.CrossEntropyLoss: {@link cross_entropy} as a module. `weight`, when given, is a buffer (state_dict key
 * `weight`), as in torch.
 */
export class CrossEntropyLoss extends Loss {
  /** The per-class weight buffer, or null. */
  weight: ModuleBuffer | null;
  /** Targets equal to this are ignored (default -100). */
  readonly ignoreIndex: number;
  /** Label smoothing ε in [0, 1] (default 0). */
  readonly labelSmoothing: number;

  /** @param options - weight, ignoreIndex (-100), reduction ('mean'), labelSmoothing (0), torch's defaults */
  constructor(options: CrossEntropyOptions = {}) {
    super(checkReduction(options.reduction ?? 'mean', 'CrossEntropyLoss'));
    this.weight = options.weight ? new ModuleBuffer(weightTensor(options.weight)) : null;
    this.ignoreIndex = options.ignoreIndex ?? -100;
    this.labelSmoothing = options.labelSmoothing ?? 0;
    if (!(this.labelSmoothing >= 0 && this.labelSmoothing <= 1)) throw new Error(`CrossEntropyLoss: label_smoothing must be in [0, 1], got ${this.labelSmoothing}`);
  }

  /**
   * The loss (see the class description).
   * @param input - logits [C], [N, C] or [N, C, d1, ...]
   * @param target - class indices or class probabilities (see {@link cross_entropy})
   */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return cross_entropy(input, target, { weight: this.weight?.value ?? null, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing });
  }
}
