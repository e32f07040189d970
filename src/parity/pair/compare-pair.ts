/**
 * The comparisons of a pair check, each producing report rows: weights both ways (bit-exact), one step
 * (module outputs, outputs, loss, gradients), dropout probabilities, and an N-step trajectory (docs/architecture.md 19).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import { fromHost } from '../../nn/host.js';
import type { PythonBridge } from '../../bridge/python-bridge.js';
import type { HostTensor, StateDict } from '../../util/host-tensor.js';
import { DEFAULT_C, compareExact, compareTensor } from '../tolerance.js';
import type { ParityRow } from '../report.js';
import { randint, randn } from '../random.js';
import { reference } from '../reference.js';
import type { InputSpec } from './input-spec.js';
import { NoiseTape } from './noise-tape.js';
import { cotangentGradients, dropoutScales, pairLoss, traceModules, trajectory, TORCH_OPTIMIZERS, type PairLoss } from './ts-side.js';

/** Subject, backend and seed of every row. */
export interface PairContext {
  subject: string;
  backend: string;
  seed: number;
}

/** How the Python side builds the model. */
export type PyModelArgs = {
  file: string;
  cls: string;
  args: unknown;
  seed: number;
};

function prefixed(state: StateDict, prefix: string): StateDict {
  return new Map([...state].map(([k, v]) => [prefix + k, v]));
}

function failedRow(context: PairContext, name: string, failure: string): ParityRow {
  const zero = { value: 0, index: [], ours: NaN, reference: NaN };
  return {
    ...context,
    name,
    shape: [],
    mode: 'exact',
    pass: false,
    failure,
    maxAbs: zero,
    maxRel: zero,
    rmse: NaN,
    relL2: NaN,
    cosine: NaN,
    mismatches: { k: 0, n: 0 },
    nonFiniteMatch: true,
    pytorchFloat32: { maxAbs: 0, rmse: 0 },
    ours: { maxAbs: NaN, rmse: NaN },
    ratioToNoise: Infinity,
    ratioToTolerance: Infinity,
    tolerance: { maxAbs: 0, rmse: 0, c: 0, ceiling: 0, source: 'bit-exact (docs/architecture.md decision 2)' },
  };
}

/** Keys named in a load error ("missing keys: a, b", "size mismatch for a: ...; b: ...", PyTorch's quoted keys). */
function keysIn(message: string): string[] {
  const quoted = [...message.matchAll(/"([\w.]+)"/g)].map((m) => m[1]!);
  const sized = [...message.matchAll(/(?:size mismatch for |; )([\w.]+): (?:expected|copying)/g)].map((m) => m[1]!);
  const listed = [...message.matchAll(/(?:missing|unexpected) keys: ([\w., ]+)/g)].flatMap((m) => m[1]!.split(/,\s*/));
  return [...new Set([...sized, ...quoted, ...listed])].filter((k) => k.includes('.'));
}

/**
 * Weights both ways: TS -> PyTorch (load_state_dict strict) -> TS must be bit-exact, and PyTorch's own
 * initialisation -> TS loadStateDict -> stateDict() must be bit-exact. Afterwards the TS model holds PyTorch's
 * weights. A failed load gives one row per key it names (name `weights/<key>`).
 */
export async function compareWeights(py: PythonBridge, model: Module, pyArgs: PyModelArgs, context: PairContext): Promise<{ loaded: boolean; rows: ParityRow[] }> {
  const rows: ParityRow[] = [];
  const ours = model.stateDict();
  const round = await py.call<{ loaded: boolean; message?: string }>('user_roundtrip', pyArgs, prefixed(ours, 'state.'));
  if (!round.result.loaded) {
    const message = `PyTorch load_state_dict(strict=True) of the TS state_dict failed: ${round.result.message ?? ''}`;
    const keys = keysIn(round.result.message ?? '');
    return { loaded: false, rows: (keys.length ? keys : ['(state_dict)']).map((k) => failedRow(context, `weights/ts->torch/${k}`, message)) };
  }
  for (const [key, value] of ours) {
    const back = round.tensors.get(`state.${key}`);
    rows.push(back ? compareExact({ ...context, name: `weights/ts->torch->ts/${key}` }, value, back) : failedRow(context, `weights/ts->torch->ts/${key}`, 'missing after the round trip'));
  }
  const theirs = await py.call('user_initial_state', pyArgs);
  const state: StateDict = new Map([...theirs.tensors].map(([k, v]) => [k.slice('state.'.length), v]));
  try {
    model.loadStateDict(state);
  } catch (e) {
    const message = `TS loadStateDict of PyTorch's state_dict failed: ${(e as Error).message}`;
    const keys = keysIn((e as Error).message);
    return { loaded: false, rows: [...rows, ...(keys.length ? keys : ['(state_dict)']).map((k) => failedRow(context, `weights/torch->ts/${k}`, message))] };
  }
  const reloaded = model.stateDict();
  for (const [key, value] of state) {
    const back = reloaded.get(key);
    rows.push(back ? compareExact({ ...context, name: `weights/torch->ts/${key}` }, back, value) : failedRow(context, `weights/torch->ts/${key}`, 'missing in the TS state_dict'));
  }
  return { loaded: true, rows };
}

function targetFor(kind: PairLoss, outputShape: number[], label: string, seed: number): HostTensor {
  if (kind === 'mse') return randn(label, outputShape, 1, seed);
  if (outputShape.length !== 2) throw new Error(`--loss ${kind} needs an output of shape [N, C], got [${outputShape.join(', ')}]`);
  return randint(label, [outputShape[0]!], outputShape[1]!, seed);
}

/**
 * One forward and backward on both sides: every module output by path, the output(s), the loss and every
 * gradient under random cotangents.
 */
export async function compareStep(
  py: PythonBridge,
  model: Module,
  o: { pyArgs: PyModelArgs; input: HostTensor; loss: PairLoss; train: boolean; label: string; seed: number; context: PairContext },
): Promise<{ rows: ParityRow[]; outputShape: number[] }> {
  const x = fromHost(o.input);
  try {
    const tape = new NoiseTape();
    const { trace, outputs } = tape.run('record', () => traceModules(model, x));
    const cotangents = outputs.map((out, i) => randn(`pair/${o.label}/cotangent.${i}`, out.shape, 1, o.seed));
    const target = targetFor(o.loss, outputs[0]!.shape, `pair/${o.label}/target`, o.seed);
    const ourLoss = tf.tidy(() => pairLoss(o.loss, fromHost(outputs[0]!), fromHost(target)).dataSync()[0]!);
    const grads = tape.run('replay', () => cotangentGradients(model, x, cotangents));
    const sent: StateDict = prefixed(model.stateDict(), 'state.');
    const noise = tape.tensor();
    if (noise) sent.set('noise', noise);
    sent.set('input', o.input);
    sent.set('target', target);
    cotangents.forEach((c, i) => sent.set(`cotangent.${i}`, c));
    const ref = await reference<{ order: string[] }>(py, 'user_step', { ...o.pyArgs, loss: o.loss, train: o.train }, sent);
    const rows: ParityRow[] = [];
    const compare = (name: string, ours: HostTensor | Float32Array, key: string, options = {}): void => {
      const g = ref.g.get(key);
      const p = ref.p.get(key);
      if (!g || !p) return;
      rows.push(compareTensor({ ...o.context, name }, ours instanceof Float32Array ? ours : ours.data, g, p, options));
    };
    const torchPaths = new Set(ref.result.float64.order);
    for (const t of trace) if (t.path !== '' && torchPaths.has(t.path)) compare(`module/${t.path}`, t.value, `trace:${t.path}`);
    outputs.forEach((out, i) => compare(outputs.length === 1 ? 'output' : `output.${i}`, out, `output.${i}`));
    compare(`loss (${o.loss})`, Float32Array.of(ourLoss), 'loss');
    for (const [key, g] of grads) compare(key === 'input' ? 'grad/input' : `grad/${key}`, g, `grad.${key}`);
    return { rows, outputShape: outputs[0]!.shape };
  } finally {
    x.dispose();
  }
}

/** Each dropout module's kept value 1/(1-p) in training mode, TS against PyTorch (by module path). */
export async function compareDropout(py: PythonBridge, model: Module, pyArgs: PyModelArgs, context: PairContext): Promise<ParityRow[]> {
  const ours = dropoutScales(model);
  if (ours.size === 0) return [];
  const ref = await reference(py, 'user_dropout_scales', pyArgs, {});
  const rows: ParityRow[] = [];
  for (const [path, scale] of ours) {
    const g = ref.g.get(`dropout:${path}`);
    const p = ref.p.get(`dropout:${path}`);
    if (!g || !p) rows.push(failedRow(context, `dropout/${path}`, 'PyTorch has no dropout module at this path'));
    else rows.push(compareTensor({ ...context, name: `dropout/${path}` }, [scale], g, p));
  }
  return rows;
}

/**
 * An N-step optimizer trajectory on both sides from identical weights: every step's loss and every
 * parameter after every step. Rows use the trajectory slack c = 16*N (docs/architecture.md decision 19).
 */
export async function compareTrajectory(
  py: PythonBridge,
  model: Module,
  o: { pyArgs: PyModelArgs; spec: InputSpec; intHigh: number; steps: number; optimizer: string; lr: number; loss: PairLoss; train: boolean; outputShape: number[]; label: string; seed: number; context: PairContext },
): Promise<ParityRow[]> {
  const torchName = TORCH_OPTIMIZERS[o.optimizer];
  if (!torchName) throw new Error(`--optimizer ${o.optimizer}: choose one of ${Object.keys(TORCH_OPTIMIZERS).join(', ')}`);
  const shape = [o.steps, ...o.spec.shape];
  const inputs = o.spec.dtype === 'int64' ? randint(`pair/${o.label}/trajectory.inputs`, shape, o.intHigh, o.seed) : randn(`pair/${o.label}/trajectory.inputs`, shape, 1, o.seed);
  const one = targetFor(o.loss, o.outputShape, `pair/${o.label}/trajectory.targets`, o.seed);
  const targets = o.loss === 'mse' ? randn(`pair/${o.label}/trajectory.targets`, [o.steps, ...o.outputShape], 1, o.seed) : randint(`pair/${o.label}/trajectory.targets`, [o.steps, ...one.shape], o.outputShape[1]!, o.seed);
  const sent: StateDict = prefixed(model.stateDict(), 'state.');
  sent.set('inputs', inputs);
  sent.set('targets', targets);
  model.train(o.train);
  const tapes = Array.from({ length: o.steps }, () => new NoiseTape());
  const ours = trajectory(model, { optimizer: o.optimizer, lr: o.lr, loss: o.loss, inputs, targets, aroundStep: (s, run) => tapes[s]!.run('record', run) });
  tapes.forEach((t, s) => {
    const noise = t.tensor();
    if (noise) sent.set(`noise.${s}`, noise);
  });
  const ref = await reference(py, 'user_train', { ...o.pyArgs, loss: o.loss, train: o.train, optimizer: { kind: torchName, options: { lr: o.lr } } }, sent);
  const tolerance = { c: DEFAULT_C * o.steps, source: `docs/architecture.md decision 19: ${o.steps}-step trajectory (${o.optimizer}, lr ${o.lr}), c = 16 x ${o.steps}` };
  const rows: ParityRow[] = [];
  const gLoss = ref.g.get('losses');
  const pLoss = ref.p.get('losses');
  for (let s = 0; s < o.steps; s++) {
    const at = (h: HostTensor | undefined, size: number): HostTensor | undefined =>
      h && { dtype: h.dtype, shape: h.shape.slice(1), data: h.data.subarray(s * size, (s + 1) * size) as HostTensor['data'] };
    const gl = at(gLoss, 1);
    const pl = at(pLoss, 1);
    if (gl && pl) rows.push(compareTensor({ ...o.context, name: `step ${s + 1}/loss (${o.loss})` }, [ours.losses[s]!], { ...gl, shape: [1] }, { ...pl, shape: [1] }, tolerance));
    for (const [key, value] of ours.params[s]!) {
      const size = value.data.length;
      const g = at(ref.g.get(`trajectory.${key}`), size);
      const p = at(ref.p.get(`trajectory.${key}`), size);
      if (g && p) rows.push(compareTensor({ ...o.context, name: `step ${s + 1}/${key}` }, value.data, g, p, tolerance));
    }
  }
  return rows;
}
