/**
 * Loss parity cases: value and d loss / d input of twinml's losses against torch.nn's, including class weights,
 * label smoothing, ignore_index, pos_weight and large logits (+-100) where clipped implementations fail.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss, type Loss } from '../../src/nn/loss/index.js';
import { fromHost, toHost } from '../../src/nn/host.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/parity/report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { compareTensor } from '../../src/parity/tolerance.js';
import { pick, reference } from '../../src/parity/reference.js';
import { PARITY_SEED, randint, randn } from '../../src/parity/random.js';
import { Rng } from '../../src/util/rng.js';

type TsLoss = Loss;

export interface LossCase {
  name: string;
  kind: 'CrossEntropyLoss' | 'NLLLoss' | 'BCEWithLogitsLoss' | 'BCELoss' | 'MSELoss' | 'L1Loss' | 'SmoothL1Loss' | 'HuberLoss';
  torchKwargs?: Record<string, unknown>;
  make(): TsLoss;
  input: HostTensor;
  target: HostTensor;
  weight?: HostTensor;
  posWeight?: HostTensor;
  /** For reduction='none': d loss / d output. */
  cotangent?: HostTensor;
}

/** Class targets with some entries set to `ignore`. */
function targetsWithIgnored(label: string, n: number, classes: number, ignore: number): HostTensor {
  const t = randint(label, [n], classes);
  const data = t.data as BigInt64Array;
  data[1] = BigInt(ignore);
  data[n - 2] = BigInt(ignore);
  return t;
}

/** Logits with entries of +-100 mixed in (a third of them). */
function largeLogits(label: string, shape: number[]): HostTensor {
  const t = randn(label, shape, 30);
  const rng = Rng.derive(PARITY_SEED, `${label}/signs`);
  const data = t.data as Float32Array;
  for (let i = 0; i < data.length; i += 3) data[i] = rng.random() < 0.5 ? -100 : 100;
  return t;
}

function probabilities(label: string, shape: number[]): HostTensor {
  const t = randn(label, shape);
  const data = t.data as Float32Array;
  for (let i = 0; i < data.length; i++) data[i] = 1 / (1 + Math.exp(-data[i]!));
  return t;
}

const W7 = [0.3, 1.7, 0.9, 2.2, 0.5, 1.1, 1.4];
const weight7: HostTensor = { dtype: 'float32', shape: [7], data: Float32Array.from(W7) };
const posWeight6: HostTensor = { dtype: 'float32', shape: [6], data: Float32Array.from([0.5, 3, 1, 2.5, 0.8, 4]) };

export const LOSS_CASES: LossCase[] = [
  { name: 'CrossEntropyLoss', kind: 'CrossEntropyLoss', make: () => new CrossEntropyLoss(), input: randn('ce/x', [5, 7], 2), target: randint('ce/y', [5], 7) },
  {
    name: 'CrossEntropyLoss weight',
    kind: 'CrossEntropyLoss',
    make: () => new CrossEntropyLoss({ weight: W7 }),
    input: randn('cew/x', [5, 7], 2),
    target: randint('cew/y', [5], 7),
    weight: weight7,
  },
  {
    name: 'CrossEntropyLoss label_smoothing=0.15',
    kind: 'CrossEntropyLoss',
    torchKwargs: { label_smoothing: 0.15 },
    make: () => new CrossEntropyLoss({ labelSmoothing: 0.15 }),
    input: randn('cels/x', [5, 7], 2),
    target: randint('cels/y', [5], 7),
  },
  {
    name: 'CrossEntropyLoss ignore_index=3',
    kind: 'CrossEntropyLoss',
    torchKwargs: { ignore_index: 3 },
    make: () => new CrossEntropyLoss({ ignoreIndex: 3 }),
    input: randn('ceii/x', [6, 7], 2),
    target: targetsWithIgnored('ceii/y', 6, 7, 3),
  },
  {
    name: 'CrossEntropyLoss weight+label_smoothing+ignore_index',
    kind: 'CrossEntropyLoss',
    torchKwargs: { label_smoothing: 0.1, ignore_index: -100 },
    make: () => new CrossEntropyLoss({ weight: W7, labelSmoothing: 0.1 }),
    input: randn('ceall/x', [6, 7], 2),
    target: targetsWithIgnored('ceall/y', 6, 7, -100),
    weight: weight7,
  },
  {
    name: 'CrossEntropyLoss logits +-100',
    kind: 'CrossEntropyLoss',
    make: () => new CrossEntropyLoss(),
    input: largeLogits('cebig/x', [5, 7]),
    target: randint('cebig/y', [5], 7),
  },
  {
    name: "CrossEntropyLoss reduction='none'",
    kind: 'CrossEntropyLoss',
    torchKwargs: { reduction: 'none', label_smoothing: 0.05 },
    make: () => new CrossEntropyLoss({ reduction: 'none', labelSmoothing: 0.05 }),
    input: randn('cenone/x', [5, 7], 2),
    target: randint('cenone/y', [5], 7),
    cotangent: randn('cenone/cot', [5]),
  },
  {
    name: 'NLLLoss weight+ignore_index',
    kind: 'NLLLoss',
    torchKwargs: { ignore_index: 2 },
    make: () => new NLLLoss({ weight: W7, ignoreIndex: 2 }),
    input: randn('nll/x', [6, 7], 3),
    target: targetsWithIgnored('nll/y', 6, 7, 2),
    weight: weight7,
  },
  { name: 'NLLLoss', kind: 'NLLLoss', make: () => new NLLLoss(), input: randn('nll0/x', [5, 7], 3), target: randint('nll0/y', [5], 7) },
  {
    name: 'BCEWithLogitsLoss',
    kind: 'BCEWithLogitsLoss',
    make: () => new BCEWithLogitsLoss(),
    input: randn('bce/x', [4, 6], 2),
    target: probabilities('bce/y', [4, 6]),
  },
  {
    name: 'BCEWithLogitsLoss pos_weight',
    kind: 'BCEWithLogitsLoss',
    make: () => new BCEWithLogitsLoss({ posWeight: posWeight6.data as Float32Array }),
    input: randn('bcepw/x', [4, 6], 2),
    target: probabilities('bcepw/y', [4, 6]),
    posWeight: posWeight6,
  },
  {
    name: 'BCEWithLogitsLoss logits +-100 pos_weight',
    kind: 'BCEWithLogitsLoss',
    make: () => new BCEWithLogitsLoss({ posWeight: posWeight6.data as Float32Array }),
    input: largeLogits('bcebig/x', [4, 6]),
    target: probabilities('bcebig/y', [4, 6]),
    posWeight: posWeight6,
  },
  { name: 'MSELoss', kind: 'MSELoss', make: () => new MSELoss(), input: randn('mse/x', [3, 5, 7]), target: randn('mse/y', [3, 5, 7]) },
  {
    name: "MSELoss reduction='sum'",
    kind: 'MSELoss',
    torchKwargs: { reduction: 'sum' },
    make: () => new MSELoss({ reduction: 'sum' }),
    input: randn('mses/x', [3, 5, 7]),
    target: randn('mses/y', [3, 5, 7]),
  },
  {
    name: "CrossEntropyLoss [N,C,d] reduction='none'",
    kind: 'CrossEntropyLoss',
    torchKwargs: { reduction: 'none' },
    make: () => new CrossEntropyLoss({ reduction: 'none' }),
    input: randn('ce3/x', [3, 7, 4], 2),
    target: randint('ce3/y', [3, 4], 7),
    cotangent: randn('ce3/cot', [3, 4]),
  },
  { name: 'BCELoss', kind: 'BCELoss', make: () => new BCELoss(), input: probabilities('bcel/x', [4, 6]), target: probabilities('bcel/y', [4, 6]) },
  {
    name: 'BCELoss weight',
    kind: 'BCELoss',
    make: () => new BCELoss({ weight: posWeight6.data as Float32Array }),
    input: probabilities('bcelw/x', [4, 6]),
    target: probabilities('bcelw/y', [4, 6]),
    weight: posWeight6,
  },
  { name: 'L1Loss', kind: 'L1Loss', make: () => new L1Loss(), input: randn('l1/x', [3, 5, 7]), target: randn('l1/y', [3, 5, 7]) },
  {
    name: 'SmoothL1Loss(beta=0.5)',
    kind: 'SmoothL1Loss',
    torchKwargs: { beta: 0.5 },
    make: () => new SmoothL1Loss({ beta: 0.5 }),
    input: randn('sl1/x', [3, 5, 7]),
    target: randn('sl1/y', [3, 5, 7]),
  },
  { name: 'SmoothL1Loss', kind: 'SmoothL1Loss', make: () => new SmoothL1Loss(), input: randn('sl1d/x', [3, 5, 7], 2), target: randn('sl1d/y', [3, 5, 7]) },
  {
    name: "HuberLoss(delta=0.7, reduction='sum')",
    kind: 'HuberLoss',
    torchKwargs: { delta: 0.7, reduction: 'sum' },
    make: () => new HuberLoss({ delta: 0.7, reduction: 'sum' }),
    input: randn('hub/x', [3, 5, 7]),
    target: randn('hub/y', [3, 5, 7]),
  },
  { name: 'HuberLoss', kind: 'HuberLoss', make: () => new HuberLoss(), input: randn('hubd/x', [3, 5, 7], 2), target: randn('hubd/y', [3, 5, 7]) },
];

/** Our loss and d loss / d input (with the case's cotangent for unreduced losses). */
function ours(c: LossCase): { loss: HostTensor; grad: HostTensor } {
  const loss = c.make();
  let result: { loss: HostTensor; grad: HostTensor } | null = null;
  tf.tidy(() => {
    const x = fromHost(c.input);
    const y = fromHost(c.target);
    const cot = c.cotangent ? fromHost(c.cotangent) : null;
    const f = (input: tf.Tensor): tf.Tensor => {
      const l = loss.call(input, y);
      return cot ? tf.sum(tf.mul(l, cot)) : l;
    };
    result = { loss: toHost(loss.call(x, y), 'float32'), grad: toHost(tf.grad(f)(x), 'float32') };
  });
  loss.dispose(); // weight buffers
  return result!;
}

/**
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use
 */
export async function runLossCase(py: PythonBridge, c: LossCase, backend: string): Promise<ParityRow[]> {
  const sent: StateDict = new Map([
    ['input', c.input],
    ['target', c.target],
  ]);
  if (c.weight) sent.set('weight', c.weight);
  if (c.posWeight) sent.set('pos_weight', c.posWeight);
  if (c.cotangent) sent.set('cotangent', c.cotangent);
  const ref = await reference(py, 'loss_step', { kind: c.kind, kwargs: c.torchKwargs ?? {} }, sent);
  const t = ours(c);
  const ctx = (tensor: string) => ({ subject: 'losses', name: `losses/${c.name}/${tensor}`, backend, seed: PARITY_SEED });
  return [
    compareTensor(ctx('loss'), t.loss.data, pick(ref.g, 'loss'), pick(ref.p, 'loss')),
    compareTensor(ctx('grad.input'), t.grad.data, pick(ref.g, 'grad.input'), pick(ref.p, 'grad.input')),
  ];
}
