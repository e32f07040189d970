/**
 * Parity of functions and modules with several tensor inputs and outputs (attention, masks, topk, transformer
 * layers): both sides run on the same inputs (and the same weights), backward with one random cotangent per
 * float output; every output, the gradient of every named input and of every parameter is compared under the
 * policy (integer outputs such as topk's indices must match exactly).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import type { Module, ModuleOutput } from '../../src/nn/module.js';
import { fromHost, toHost } from '../../src/nn/host.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/parity/report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { compareTensor, type ToleranceOptions } from '../../src/parity/tolerance.js';
import { pick, reference } from '../../src/parity/reference.js';
import { PARITY_SEED, randn } from '../../src/parity/random.js';
import { parameterOwners } from '../support/module-runner.js';

/** A torch.nn module spec; an argument `{ module: spec }` is built first (TransformerEncoder's layer). */
export interface SequenceTorchSpec {
  type: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
}

/** Our outputs: a tensor, or a list where null stands for torch's None (need_weights=False). */
export type SequenceOutput = tf.Tensor | Array<tf.Tensor | null>;

export interface SequenceCase {
  name: string;
  /** Every tensor either side uses, by name (masks included). */
  inputs: Record<string, HostTensor>;
  /** The inputs whose gradients are compared. */
  gradInputs: string[];
  /** The torch side: a function of FUNCTIONS in python/twinml_ref/reference/sequence.py, or a module. */
  torch: { kind: 'function'; op: string } | { kind: 'module'; spec: SequenceTorchSpec };
  /** torch's positional arguments; `{ tensor: name }` refers to an input. */
  args?: unknown[];
  /** torch's keyword arguments, the same way. */
  kwargs?: Record<string, unknown>;
  /** Our module (module cases). */
  make?: () => Module<ModuleOutput>;
  /** Our computation, given the inputs as tensors (differentiable ones as variables) and the module. */
  ours(t: Record<string, tf.Tensor>, module: Module<ModuleOutput> | null): SequenceOutput;
  /** Replace the module's initial parameters with random values (so that ones/zeros inits cannot hide a bug). */
  randomWeights?: boolean;
  /** Training mode for modules (default false). */
  train?: boolean;
  tolerance?: ToleranceOptions;
}

function asList(out: SequenceOutput): Array<tf.Tensor | null> {
  return Array.isArray(out) ? out : [out];
}

interface OurRun {
  outputs: Array<HostTensor | null>;
  grads: StateDict;
  cotangents: StateDict;
}

function runOurs(c: SequenceCase, module: Module<ModuleOutput> | null): OurRun {
  let shapes: Array<number[] | null> = [];
  tf.tidy(() => {
    const leaves: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(c.inputs)) leaves[k] = fromHost(v);
    shapes = asList(c.ours(leaves, module)).map((y) => (y && y.dtype === 'float32' ? y.shape : null));
  });
  const cotangents: StateDict = new Map();
  shapes.forEach((shape, i) => {
    if (shape) cotangents.set(`cotangent.${i}`, randn(`${c.name}/cotangent.${i}`, shape));
  });
  const leaves: Record<string, tf.Tensor> = {};
  const variables: tf.Variable[] = [];
  for (const [k, v] of Object.entries(c.inputs)) {
    const t = fromHost(v);
    if (c.gradInputs.includes(k)) {
      const variable = tf.variable(t, true);
      t.dispose();
      variables.push(variable);
      leaves[k] = variable;
    } else leaves[k] = t;
  }
  const owners = module ? parameterOwners(module as unknown as Module) : [];
  const params = [...new Set(owners.map((o) => o.param.variable))];
  let kept: Array<tf.Tensor | null> = [];
  const { value, grads } = tf.variableGrads(() => {
    const outs = asList(c.ours(leaves, module));
    kept = outs.map((y) => (y ? tf.keep(tf.clone(y)) : null));
    let loss: tf.Scalar = tf.scalar(0);
    outs.forEach((y, i) => {
      const cot = cotangents.get(`cotangent.${i}`);
      if (y && cot) loss = tf.add(loss, tf.sum(tf.mul(y, fromHost(cot))));
    });
    return loss;
  }, [...variables, ...params]);
  value.dispose();
  const out: StateDict = new Map();
  for (const name of c.gradInputs) {
    const v = leaves[name] as tf.Variable;
    const g = grads[v.name];
    out.set(`grad.${name}`, g ? toHost(g, 'float32') : toHost(tf.tidy(() => tf.zerosLike(v)), 'float32'));
  }
  for (const { key, param } of owners) {
    const g = grads[param.variable.name];
    const zero = g ? null : tf.zerosLike(param.variable);
    out.set(`grad.${key}`, toHost(g ?? zero!, 'float32'));
    zero?.dispose();
  }
  for (const g of Object.values(grads)) g.dispose();
  for (const t of Object.values(leaves)) t.dispose();
  const outputs = kept.map((y) => (y ? toHost(y, y.dtype === 'int32' ? 'int32' : y.dtype === 'bool' ? 'bool' : 'float32') : null));
  for (const y of kept) y?.dispose();
  return { outputs, grads: out, cotangents };
}

/**
 * Runs one case on both sides and returns a row per compared tensor.
 * @param py - the bridge
 * @param c - the case
 * @param backend - the tfjs backend in use (for the rows)
 */
export async function runSequenceCase(py: PythonBridge, c: SequenceCase, backend: string): Promise<ParityRow[]> {
  nn.manualSeed(PARITY_SEED);
  const module = c.make ? c.make() : null;
  try {
    module?.train(c.train ?? false);
    if (module && c.randomWeights) {
      const state = module.stateDict();
      for (const [key] of module.namedParameters()) state.set(key, randn(`${c.name}/weights/${key}`, state.get(key)!.shape, 0.5));
      module.loadStateDict(state);
    }
    const ours = runOurs(c, module);
    const sent: StateDict = new Map();
    if (module) for (const [k, v] of module.stateDict()) sent.set(`state.${k}`, v);
    for (const [k, v] of Object.entries(c.inputs)) sent.set(k, v);
    for (const [k, v] of ours.cotangents) sent.set(k, v);
    const args: Record<string, unknown> = { ...c.torch, args: c.args ?? [], kwargs: c.kwargs ?? {}, grad_inputs: c.gradInputs, train: c.train ?? false };
    const ref = await reference<{ outputs: number[] }>(py, 'sequence_step', args, sent);
    const ctx = (tensor: string) => ({ subject: 'layers', name: `sequence/${c.name}/${tensor}`, backend, seed: PARITY_SEED });
    const rows: ParityRow[] = [];
    const torchOutputs = new Set(ref.result.float64.outputs);
    ours.outputs.forEach((y, i) => {
      if ((y === null) !== !torchOutputs.has(i)) throw new Error(`${c.name}: output ${i} is ${y === null ? 'None on our side only' : 'None on the torch side only'}`);
      if (y) rows.push(compareTensor(ctx(`output.${i}`), y.data as ArrayLike<number>, pick(ref.g, `output.${i}`), pick(ref.p, `output.${i}`), c.tolerance));
    });
    for (const [key, value] of ours.grads) rows.push(compareTensor(ctx(key), value.data as ArrayLike<number>, pick(ref.g, key), pick(ref.p, key), c.tolerance));
    return rows;
  } finally {
    module?.dispose();
  }
}
