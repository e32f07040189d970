/**
 * nn.RNN / nn.LSTM / nn.GRU parity cases (python/twinml_ref/reference/recurrent.py): both sides run forward with
 * an optional initial state on random, odd-sized inputs, then backward with a random cotangent on EVERY output
 * (output, h_n and, for LSTM, c_n); compared under the float64 policy: the outputs, the final states, the input
 * gradient, the initial-state gradients and every parameter gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import { fromHost, toHost } from '../../src/nn/host.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/parity/report.js';
import type { StateDict } from '../../src/util/host-tensor.js';
import { compareTensor } from '../../src/parity/tolerance.js';
import { pick, reference } from '../../src/parity/reference.js';
import { PARITY_SEED, randn } from '../../src/parity/random.js';
import type { TorchSpec } from './cases.js';

type Recurrent = nn.RNN | nn.LSTM | nn.GRU;

export interface RecurrentCase {
  name: string;
  make(): Recurrent;
  torch: TorchSpec;
  /** Input shape in the module's own convention (batch_first or not, or unbatched). */
  input: number[];
  /** Output shape. */
  output: number[];
  /** State shape ([L*D, B, H], or [L*D, H] unbatched). */
  state: number[];
  /** Which initial state is passed: none, h_0 (RNN/GRU) or [h_0, c_0] (LSTM). */
  initial: 'none' | 'h' | 'hc';
}

export const RECURRENT_CASES: RecurrentCase[] = [
  {
    name: 'LSTM(5,6,num_layers=2,bidirectional,batch_first) with (h0,c0)',
    make: () => new nn.LSTM(5, 6, { numLayers: 2, bidirectional: true, batchFirst: true }),
    torch: { type: 'LSTM', args: [5, 6], kwargs: { num_layers: 2, bidirectional: true, batch_first: true } },
    input: [3, 7, 5],
    output: [3, 7, 12],
    state: [4, 3, 6],
    initial: 'hc',
  },
  {
    name: 'GRU(5,6,num_layers=2,bidirectional,batch_first) with h0',
    make: () => new nn.GRU(5, 6, { numLayers: 2, bidirectional: true, batchFirst: true }),
    torch: { type: 'GRU', args: [5, 6], kwargs: { num_layers: 2, bidirectional: true, batch_first: true } },
    input: [3, 7, 5],
    output: [3, 7, 12],
    state: [4, 3, 6],
    initial: 'h',
  },
  {
    name: 'LSTM(4,5) seq-major, zero state, dropout=0.3 in eval',
    make: () => new nn.LSTM(4, 5, { numLayers: 2, dropout: 0.3 }),
    torch: { type: 'LSTM', args: [4, 5], kwargs: { num_layers: 2, dropout: 0.3 } },
    input: [6, 2, 4],
    output: [6, 2, 5],
    state: [2, 2, 5],
    initial: 'none',
  },
  {
    name: 'GRU(4,3,bias=False) unbatched with h0',
    make: () => new nn.GRU(4, 3, { bias: false, bidirectional: true }),
    torch: { type: 'GRU', args: [4, 3], kwargs: { bias: false, bidirectional: true } },
    input: [5, 4],
    output: [5, 6],
    state: [2, 3],
    initial: 'h',
  },
  {
    name: 'LSTM(4,3,bias=False,bidirectional) with (h0,c0)',
    make: () => new nn.LSTM(4, 3, { bias: false, bidirectional: true }),
    torch: { type: 'LSTM', args: [4, 3], kwargs: { bias: false, bidirectional: true } },
    input: [5, 2, 4],
    output: [5, 2, 6],
    state: [2, 2, 3],
    initial: 'hc',
  },
  {
    name: 'LSTM(3,4) unbatched with (h0,c0)',
    make: () => new nn.LSTM(3, 4),
    torch: { type: 'LSTM', args: [3, 4] },
    input: [5, 3],
    output: [5, 4],
    state: [1, 4],
    initial: 'hc',
  },
  {
    name: 'RNN(5,6,num_layers=2) tanh with h0',
    make: () => new nn.RNN(5, 6, { numLayers: 2 }),
    torch: { type: 'RNN', args: [5, 6], kwargs: { num_layers: 2 } },
    input: [7, 3, 5],
    output: [7, 3, 6],
    state: [2, 3, 6],
    initial: 'h',
  },
  {
    name: "RNN(4,5,nonlinearity='relu',bidirectional,batch_first)",
    make: () => new nn.RNN(4, 5, { nonlinearity: 'relu', bidirectional: true, batchFirst: true }),
    torch: { type: 'RNN', args: [4, 5], kwargs: { nonlinearity: 'relu', bidirectional: true, batch_first: true } },
    input: [3, 6, 4],
    output: [3, 6, 10],
    state: [2, 3, 5],
    initial: 'none',
  },
];

interface OursRun {
  outputs: StateDict;
  grads: StateDict;
}

/** Our forward and d <outputs, cotangents> / d (input, states, parameters). */
function runOurs(module: Recurrent, c: RecurrentCase, sent: StateDict): OursRun {
  module.eval();
  const leaf = (key: string) => {
    const h = fromHost(sent.get(key)!);
    const v = tf.variable(h, true);
    h.dispose();
    return v;
  };
  const x = leaf('input');
  const h0 = c.initial === 'none' ? null : leaf('h0');
  const c0 = c.initial === 'hc' ? leaf('c0') : null;
  const params = module.namedParameters();
  const cots = new Map<string, tf.Tensor>();
  for (const [k, v] of sent) if (k.startsWith('cotangent.')) cots.set(k.slice(10), fromHost(v));
  const outputs: StateDict = new Map();
  const { value, grads } = tf.variableGrads(() => {
    let named: Array<[string, tf.Tensor]>;
    if (module instanceof nn.LSTM) {
      const [out, [hN, cN]] = module.call(x, h0 && c0 ? [h0, c0] : undefined);
      named = [['output', out], ['h_n', hN], ['c_n', cN]];
    } else {
      const [out, hN] = module.call(x, h0 ?? undefined);
      named = [['output', out], ['h_n', hN]];
    }
    for (const [k, t] of named) outputs.set(k, toHost(t, 'float32'));
    return tf.addN(named.map(([k, t]) => tf.sum(tf.mul(t, cots.get(k)!)))) as tf.Scalar;
  }, [x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...params.map(([, p]) => p.variable)]);
  value.dispose();
  const out: StateDict = new Map();
  const take = (key: string, v: tf.Variable) => {
    const g = grads[v.name] ?? tf.zerosLike(v);
    out.set(key, toHost(g, 'float32'));
    if (!grads[v.name]) g.dispose();
  };
  take('grad.input', x);
  if (h0) take('grad.h0', h0);
  if (c0) take('grad.c0', c0);
  for (const [key, p] of params) take(`grad.${key}`, p.variable);
  tf.dispose([...Object.values(grads), x, ...(h0 ? [h0] : []), ...(c0 ? [c0] : []), ...cots.values()]);
  return { outputs, grads: out };
}

/**
 * Runs one case on both sides and returns a row per compared tensor.
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use (recorded)
 * @param mutate - a deliberate break of our module before it runs (only the must-fail test)
 */
export async function runRecurrentCase(py: PythonBridge, c: RecurrentCase, backend: string, mutate?: (m: Recurrent) => void): Promise<ParityRow[]> {
  nn.manualSeed(PARITY_SEED);
  const module = c.make();
  try {
    const sent: StateDict = new Map();
    for (const [k, v] of module.stateDict()) sent.set(`state.${k}`, v);
    sent.set('input', randn(`${c.name}/input`, c.input));
    if (c.initial !== 'none') sent.set('h0', randn(`${c.name}/h0`, c.state, 0.5));
    if (c.initial === 'hc') sent.set('c0', randn(`${c.name}/c0`, c.state, 0.5));
    sent.set('cotangent.output', randn(`${c.name}/cot.output`, c.output));
    sent.set('cotangent.h_n', randn(`${c.name}/cot.h_n`, c.state));
    if (module instanceof nn.LSTM) sent.set('cotangent.c_n', randn(`${c.name}/cot.c_n`, c.state));
    const ref = await reference(py, 'recurrent_step', { spec: c.torch, state: c.initial }, sent);
    mutate?.(module);
    const ours = runOurs(module, c, sent);
    const ctx = (tensor: string) => ({ subject: 'layers', name: `recurrent/${c.name}/${tensor}`, backend, seed: PARITY_SEED });
    const rows: ParityRow[] = [];
    for (const [key, value] of [...ours.outputs, ...ours.grads]) {
      rows.push(compareTensor(ctx(key), value.data, pick(ref.g, key), pick(ref.p, key)));
    }
    return rows;
  } finally {
    module.dispose();
  }
}
