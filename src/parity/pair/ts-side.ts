/**
 * The TypeScript side of a pair check: every submodule's output (forward hooks on each module instance,
 * matched with PyTorch's by module path), the output(s), the loss, every parameter gradient under a random
 * cotangent, the dropout scales, and an N-step optimizer trajectory.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import type { Parameter } from '../../nn/parameter.js';
import { fromHost, toHost } from '../../nn/host.js';
import type { HostTensor, StateDict } from '../../util/host-tensor.js';
import { backward } from '../../train/backward.js';
import { CrossEntropyLoss, MSELoss, NLLLoss } from '../../nn/loss/index.js';
import { createOptimizer } from '../../train/optim/create-optimizer.js';

/** The losses a pair check can compute (torch.nn.functional names). */
export type PairLoss = 'nll' | 'cross_entropy' | 'mse';

/** One recorded module output. */
export interface TracedOutput {
  /** Module path ('' is the model; `path#2` is its second call; `.k` suffixes the k-th tensor of a tuple). */
  path: string;
  value: HostTensor;
}

/** The forward result as a list of tensors (a model may return a tensor or an array of tensors). */
export function outputsOf(y: unknown, what: string): tf.Tensor[] {
  if (y instanceof tf.Tensor) return [y];
  // nested arrays ([y, [k, v]]) are flattened depth-first, as the Python side
  if (Array.isArray(y) && y.length > 0 && y.every((t) => t instanceof tf.Tensor || Array.isArray(t))) return y.flatMap((t: unknown) => outputsOf(t, what));
  throw new Error(`${what}: forward returned ${typeof y}; parity compares a tensor or an array of tensors`);
}

/**
 * Runs `model` once with a hook on every module instance, recording each module's output by path in
 * completion order (like PyTorch's register_forward_hook on every named_modules() entry).
 * @param model - the model
 * @param input - the input tensor (not disposed)
 */
export function traceModules(model: Module, input: tf.Tensor): { trace: TracedOutput[]; outputs: HostTensor[] } {
  const trace: TracedOutput[] = [];
  const counts = new Map<string, number>();
  const restore: Array<() => void> = [];
  for (const [path, m] of model.namedModules()) {
    const original = m.call;
    const hooked = (...inputs: tf.Tensor[]): tf.Tensor => {
      const out = original.apply(m, inputs) as unknown;
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      const key = n === 1 ? path : `${path}#${n}`;
      if (out instanceof tf.Tensor) trace.push({ path: key, value: toHost(out, 'float32') });
      else outputsOf(out, key).forEach((t, i) => trace.push({ path: `${key}.${i}`, value: toHost(t, 'float32') }));
      return out as tf.Tensor;
    };
    Object.defineProperty(m, 'call', { value: hooked, configurable: true, writable: true, enumerable: false });
    restore.push(() => delete (m as unknown as { call?: unknown }).call);
  }
  try {
    const outputs = tf.tidy(() => outputsOf(model.call(input), 'model').map((t) => t.clone()));
    const host = outputs.map((t) => toHost(t, 'float32'));
    tf.dispose(outputs);
    return { trace, outputs: host };
  } finally {
    for (const r of restore) r();
  }
}

/** A parameter with its owner and state_dict key. */
interface NamedParameter {
  key: string;
  owner: Module;
  name: string;
  param: Parameter;
}

function namedParameters(model: Module): NamedParameter[] {
  const out: NamedParameter[] = [];
  for (const [path, m] of model.namedModules()) {
    for (const [name, param] of m.ownParameters()) out.push({ key: path ? `${path}.${name}` : name, owner: m, name, param });
  }
  return out;
}

/**
 * Gradients of sum_i(output_i * cotangent_i) with respect to the input (when float) and every parameter.
 * @param model - the model
 * @param input - the input (not disposed)
 * @param cotangents - one per output
 */
export function cotangentGradients(model: Module, input: tf.Tensor, cotangents: HostTensor[]): StateDict {
  const params = namedParameters(model);
  const xVar = input.dtype === 'float32' ? tf.variable(input.clone(), true) : null;
  const cots = cotangents.map((c) => fromHost(c));
  try {
    const vars = [...params.map((p) => p.param.variable), ...(xVar ? [xVar] : [])];
    const { value, grads } = tf.variableGrads(() => {
      const ys = outputsOf(model.call(xVar ?? input), 'model');
      if (ys.length !== cots.length) throw new Error(`model returned ${ys.length} outputs, expected ${cots.length}`);
      return tf.addN(ys.map((y, i) => tf.sum(tf.mul(y, cots[i]!)))) as tf.Scalar;
    }, vars);
    value.dispose();
    const out: StateDict = new Map();
    if (xVar) {
      const g = grads[xVar.name];
      out.set('input', g ? toHost(g, 'float32') : toHost(tf.zerosLike(xVar), 'float32'));
    }
    for (const p of params) {
      const g = grads[p.param.variable.name];
      const torch = g ? g.clone() : null;
      out.set(p.key, torch ? toHost(torch, 'float32') : zerosLikeTorch(model, p.key));
      torch?.dispose();
    }
    tf.dispose(Object.values(grads));
    return out;
  } finally {
    xVar?.dispose();
    tf.dispose(cots);
  }
}

function zerosLikeTorch(model: Module, key: string): HostTensor {
  const state = model.stateDict().get(key);
  if (!state) throw new Error(`parameter ${key} is missing from the state_dict`);
  return { dtype: 'float32', shape: state.shape, data: new Float32Array(state.data.length) };
}

/**
 * The loss of `output` against `target` with the torch.nn.functional loss `kind` (mean reduction).
 * @param kind - nll, cross_entropy or mse
 * @param output - the model's first output
 * @param target - class indices (nll, cross_entropy) or a tensor of the output's shape (mse)
 */
export function pairLoss(kind: PairLoss, output: tf.Tensor, target: tf.Tensor): tf.Scalar {
  switch (kind) {
    case 'nll':
      return new NLLLoss().call(output, target) as tf.Scalar;
    case 'cross_entropy':
      return new CrossEntropyLoss().call(output, target) as tf.Scalar;
    case 'mse':
      return new MSELoss().call(output, target) as tf.Scalar;
  }
}

/** torch.optim class names by lower-case CLI name. */
export const TORCH_OPTIMIZERS: Record<string, string> = {
  sgd: 'SGD',
  adam: 'Adam',
  adamw: 'AdamW',
  adadelta: 'Adadelta',
  adagrad: 'Adagrad',
  rmsprop: 'RMSprop',
};

/**
 * An N-step trajectory: step s trains on inputs[s] / targets[s]; returns each step's loss (before its update)
 * and every parameter after each step, keyed as PyTorch's state_dict.
 * @param model - the model (its parameters change)
 * @param options - optimizer, lr, loss, inputs [N, ...] and targets [N, ...]
 */
export function trajectory(
  model: Module,
  options: { optimizer: string; lr: number; loss: PairLoss; inputs: HostTensor; targets: HostTensor; aroundStep?: (step: number, run: () => tf.Scalar) => tf.Scalar },
): { losses: number[]; params: Array<Map<string, HostTensor>> } {
  const keys = new Set(namedParameters(model).map((p) => p.key));
  const opt = createOptimizer(options.optimizer, model.parameters(), { lr: options.lr });
  const inputs = fromHost(options.inputs);
  const targets = fromHost(options.targets);
  const losses: number[] = [];
  const params: Array<Map<string, HostTensor>> = [];
  try {
    const steps = inputs.shape[0]!;
    for (let s = 0; s < steps; s++) {
      opt.zeroGrad();
      const [x, y] = tf.tidy(() => [tf.squeeze(tf.slice(inputs, s, 1), [0]), tf.squeeze(tf.slice(targets, s, 1), [0])]);
      const step = (): tf.Scalar => backward(() => pairLoss(options.loss, outputsOf(model.call(x!), 'model')[0]!, y!), model.parameters());
      const loss = options.aroundStep ? options.aroundStep(s, step) : step();
      tf.dispose([x!, y!]);
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
      opt.step();
      const state = model.stateDict();
      params.push(new Map([...state].filter(([k]) => keys.has(k))));
    }
    opt.zeroGrad();
    return { losses, params };
  } finally {
    tf.dispose([inputs, targets]);
  }
}

/**
 * The training-mode output of every dropout module on ones: its kept value 1/(1-p), keyed by module path.
 * @param model - the model (its modules' training flags are restored)
 */
export function dropoutScales(model: Module): Map<string, number> {
  const out = new Map<string, number>();
  for (const [path, m] of model.namedModules()) {
    if (!/^(Dropout|Dropout1d|Dropout2d|Dropout3d|AlphaDropout)$/.test(m.typeName)) continue;
    const was = m.training;
    m.training = true;
    try {
      const y = tf.tidy(() => tf.max(m.call(tf.ones([4, 64, 2, 2]))));
      out.set(path, y.dataSync()[0]!);
      y.dispose();
    } finally {
      m.training = was;
    }
  }
  return out;
}
