/** Runs a twinml module like reference/modules.py: forward passes, backward with a cotangent, grads by key. */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../src/nn/module.js';
import type { Parameter } from '../../src/nn/parameter.js';
import { fromHost, toHost } from '../../src/nn/host.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';

/** Every parameter with its state_dict key and owning module (a shared Parameter under each of its keys). */
export function parameterOwners(module: Module): Array<{ key: string; name: string; owner: Module; param: Parameter }> {
  const out: Array<{ key: string; name: string; owner: Module; param: Parameter }> = [];
  for (const [path, owner] of module.namedModules()) {
    for (const [name, param] of owner.ownParameters()) out.push({ key: path ? `${path}.${name}` : name, name, owner, param });
  }
  return out;
}

/** `param.grad` of every parameter in PyTorch layout, keyed "grad.<state_dict key>". */
export function gradsByKey(module: Module): StateDict {
  const out: StateDict = new Map();
  for (const { key, param } of parameterOwners(module)) {
    const grad = param.grad ?? tf.zerosLike(param.variable);
    out.set(`grad.${key}`, toHost(grad, 'float32'));
    if (!param.grad) grad.dispose();
  }
  return out;
}

export interface ModuleRun {
  output: HostTensor;
  /** grad.input and grad.<key> for every parameter. */
  grads: StateDict;
  /** The state_dict afterwards (running statistics). */
  state: StateDict;
}

/**
 * Forward on inputs[0..k-2] (no gradient), then forward on the last input and backward with `cotangent`.
 * @param module - the module (its mode is set from `train`)
 * @param inputs - one or more inputs in PyTorch layout
 * @param cotangent - d loss / d output
 * @param train - training mode
 */
export function runModule(module: Module, inputs: HostTensor[], cotangent: HostTensor, train: boolean): ModuleRun {
  module.train(train);
  for (const x of inputs.slice(0, -1)) tf.tidy(() => void module.call(fromHost(x)));
  const xHost = fromHost(inputs[inputs.length - 1]!);
  const x = tf.variable(xHost, true);
  xHost.dispose();
  const cot = fromHost(cotangent);
  const owners = parameterOwners(module);
  let output: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const y = module.call(x);
    output = tf.keep(tf.clone(y));
    return tf.sum(tf.mul(y, cot));
  }, [x, ...new Set(owners.map((o) => o.param.variable))]);
  value.dispose();
  const out: StateDict = new Map();
  const gx = grads[x.name]!;
  out.set('grad.input', toHost(gx, 'float32'));
  for (const { key, param } of owners) {
    const g = grads[param.variable.name];
    const zero = g ? null : tf.zerosLike(param.variable);
    out.set(`grad.${key}`, toHost(g ?? zero!, 'float32'));
    zero?.dispose();
  }
  for (const g of Object.values(grads)) g.dispose();
  const y = output as unknown as tf.Tensor;
  const result = { output: toHost(y, 'float32'), grads: out, state: module.stateDict() };
  y.dispose();
  x.dispose();
  cot.dispose();
  return result;
}
