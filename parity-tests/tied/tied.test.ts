/**
 * Tied weights against PyTorch (python/twinml_ref/reference/tied.py): an Embedding and a Linear head sharing one
 * Parameter (`head.weight = emb.weight`, GPT's lm_head). PyTorch's named_parameters() lists the shared tensor
 * once and its state_dict lists both keys; backward sums both uses into one gradient; AdamW and
 * clip_grad_norm_ count it once. Checked on every available backend under the float64 policy: parameter names,
 * state_dict keys, logits, loss, every gradient, clip_grad_norm_'s total norm and clipped gradients, and a 20-step
 * AdamW + clip_grad_norm_ trajectory. The last test breaks the de-duplication on purpose (the shared Parameter
 * listed twice, as before PyTorch's rule was implemented) and shows the suite fails.
 */
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { Module } from '../../src/nn/module.js';
import { Embedding } from '../../src/nn/embedding.js';
import { Linear } from '../../src/nn/linear.js';
import type { Parameter } from '../../src/nn/parameter.js';
import { manualSeed } from '../../src/nn/generator.js';
import { fromHost } from '../../src/nn/host.js';
import { backward } from '../../src/train/backward.js';
import { CrossEntropyLoss } from '../../src/nn/loss/cross-entropy.js';
import { AdamW } from '../../src/train/optim/index.js';
import { clip_grad_norm_ } from '../../src/nn/utils/index.js';
import type { PythonBridge } from '../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../src/bridge/parity-report.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { availableBackends, describeFailures, describeParity, expectParity, pythonAvailable } from '../support/session.js';
import { DEFAULT_C, compareTensor, type ToleranceOptions } from '../support/tolerance.js';
import { pick, reference } from '../support/reference.js';
import { PARITY_SEED, randint } from '../support/random.js';

const VOCAB = 11;
const DIM = 6;
const PADDING_IDX = 1;
const BATCH: [number, number] = [3, 5];
const MAX_NORM = 0.5;
const STEPS = 20;
const ADAMW = { lr: 1e-2, weightDecay: 0.1 };

/** Mirrors TiedLM in python/twinml_ref/reference/tied.py. */
class TiedLM extends Module {
  emb = new Embedding(VOCAB, DIM, { paddingIdx: PADDING_IDX });
  proj = new Linear(DIM, DIM);
  head = new Linear(DIM, VOCAB, { bias: false });

  constructor() {
    super();
    // The head's own weight is replaced: free it (tensors are not garbage-collected), then tie.
    this.head.weight.dispose();
    this.head.weight = this.emb.weight;
  }

  forward(idx: tf.Tensor): tf.Tensor {
    return this.head.call(tf.tanh(this.proj.call(this.emb.call(idx))));
  }
}

const args = { vocab: VOCAB, dim: DIM, padding_idx: PADDING_IDX, max_norm: MAX_NORM };
const ce = new CrossEntropyLoss();
const lossOf = (model: TiedLM, x: tf.Tensor, y: tf.Tensor) => ce.call(tf.reshape(model.call(x), [-1, VOCAB]), tf.reshape(y, [-1])) as tf.Scalar;

function build(): { model: TiedLM; sent: StateDict } {
  manualSeed(PARITY_SEED);
  const model = new TiedLM();
  const sent: StateDict = new Map();
  for (const [k, v] of model.stateDict()) sent.set(`state.${k}`, v);
  return { model, sent };
}

/** Indices with the padding row among them. */
function indices(label: string, shape: number[]): HostTensor {
  const t = randint(label, shape, VOCAB);
  (t.data as BigInt64Array)[2] = BigInt(PADDING_IDX);
  return t;
}

/**
 * One step: names, logits, loss, gradients, clip_grad_norm_.
 * @param afterBackward - a deliberate break of the TS result before it is compared (only the failing-check test)
 */
async function runStep(py: PythonBridge, backend: string, afterBackward?: (m: TiedLM) => void): Promise<ParityRow[]> {
  const { model, sent } = build();
  const input = indices('tied/input', BATCH);
  const target = randint('tied/target', BATCH, VOCAB);
  sent.set('input', input);
  sent.set('target', target);
  const ref = await reference<{ parameters: string[]; state_keys: string[] }>(py, 'tied_step', args, sent);
  const ps = model.parameters();
  expect(model.namedParameters().map(([k]) => k)).toEqual(ref.result.float64.parameters);
  expect([...model.stateDict().keys()]).toEqual(ref.result.float64.state_keys);
  const x = fromHost(input);
  const y = fromHost(target);
  try {
    const logits = tf.tidy(() => model.call(x));
    const loss = backward(() => lossOf(model, x, y), ps);
    afterBackward?.(model);
    const ctx = (name: string) => ({ subject: 'tied', name: `tied/${name}`, backend, seed: PARITY_SEED });
    const rows = [
      compareTensor(ctx('logits'), logits.dataSync(), pick(ref.g, 'logits'), pick(ref.p, 'logits')),
      compareTensor(ctx('loss'), loss.dataSync(), pick(ref.g, 'loss'), pick(ref.p, 'loss')),
    ];
    const named = model.namedParameters();
    for (const [key, p] of named) rows.push(compareTensor(ctx(`grad.${key}`), p.grad!.dataSync(), pick(ref.g, `grad.${key}`), pick(ref.p, `grad.${key}`)));
    const total = clip_grad_norm_(ps, MAX_NORM);
    rows.push(compareTensor(ctx('clip_grad_norm_ total norm'), [total], pick(ref.g, 'clip.total_norm'), pick(ref.p, 'clip.total_norm')));
    for (const [key, p] of named) rows.push(compareTensor(ctx(`clipped grad.${key}`), p.grad!.dataSync(), pick(ref.g, `clipped.${key}`), pick(ref.p, `clipped.${key}`)));
    tf.dispose([logits, loss]);
    return rows;
  } finally {
    tf.dispose([x, y]);
    model.zeroGrad();
    model.dispose();
  }
}

/** AdamW + clip_grad_norm_ for STEPS steps: every loss, every total norm, the final state_dict. */
async function runTrajectory(py: PythonBridge, backend: string): Promise<ParityRow[]> {
  const { model, sent } = build();
  const inputs = indices('tied/inputs', [STEPS, ...BATCH]);
  const targets = randint('tied/targets', [STEPS, ...BATCH], VOCAB);
  sent.set('inputs', inputs);
  sent.set('targets', targets);
  const ref = await reference(py, 'tied_train', { ...args, lr: ADAMW.lr, weight_decay: ADAMW.weightDecay }, sent);
  const opt = new AdamW(model.parameters(), ADAMW);
  const xs = tf.tensor(Int32Array.from(inputs.data as BigInt64Array, Number), inputs.shape, 'int32');
  const ys = tf.tensor(Int32Array.from(targets.data as BigInt64Array, Number), targets.shape, 'int32');
  const losses = new Float32Array(STEPS);
  const norms = new Float32Array(STEPS);
  try {
    for (let s = 0; s < STEPS; s++) {
      const [x, y] = tf.tidy(() => [tf.gather(xs, s), tf.gather(ys, s)]);
      opt.zeroGrad();
      const loss = backward(() => lossOf(model, x!, y!), model.parameters());
      norms[s] = clip_grad_norm_(model.parameters(), MAX_NORM);
      opt.step();
      losses[s] = loss.dataSync()[0]!;
      tf.dispose([loss, x!, y!]);
    }
    const tol: ToleranceOptions = { c: DEFAULT_C * STEPS, source: `trajectory: rounding noise accumulates over ${STEPS} optimizer steps, c = ${DEFAULT_C} x ${STEPS} steps (docs/architecture.md, decision 19)` };
    const ctx = (name: string) => ({ subject: 'tied', name: `tied/AdamW + clip_grad_norm_ ${STEPS} steps/${name}`, backend, seed: PARITY_SEED });
    const rows = [
      compareTensor(ctx('loss (every step)'), losses, pick(ref.g, 'losses'), pick(ref.p, 'losses'), tol),
      compareTensor(ctx('total norm (every step)'), norms, pick(ref.g, 'norms'), pick(ref.p, 'norms'), tol),
    ];
    for (const [key, value] of model.stateDict()) rows.push(compareTensor(ctx(key), value.data, pick(ref.g, `state.${key}`), pick(ref.p, `state.${key}`), tol));
    return rows;
  } finally {
    tf.dispose([xs, ys]);
    opt.disposeState();
    model.zeroGrad();
    model.dispose();
  }
}

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

describeParity('tied weights (Embedding + Linear head sharing one Parameter) vs PyTorch', (session) => {
  it('runs on cpu, wasm and (when installed) tensorflow', () => {
    expect(backends).toEqual(expect.arrayContaining(['cpu', 'wasm']));
  });
  for (const backend of backends) {
    it(`${backend}: parameter names, state_dict keys, logits, loss, every gradient, clip_grad_norm_`, async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      expectParity(await runStep(session.py, backend));
      expect(tf.memory().numTensors).toBe(before);
    });
    it(`${backend}: ${STEPS}-step AdamW trajectory with clip_grad_norm_`, async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      expectParity(await runTrajectory(session.py, backend));
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('fails when the shared Parameter is counted twice (the 2x gradient of a broken de-duplication)', async () => {
    // backward() and clip_grad_norm_ de-duplicate their parameter lists themselves now, so a duplicated list no
    // longer reproduces the old bug; its effect (exactly twice PyTorch's gradient) is put in by hand instead.
    await useBackend('cpu');
    const rows = await runStep(session.py, 'cpu', (m) => {
      const g = m.emb.weight.grad!;
      m.emb.weight.grad = tf.add(g, g);
      g.dispose();
    });
    const failures = describeFailures(rows);
    expect(failures).toContain('tied/grad.emb.weight');
    expect(failures).toContain('clip_grad_norm_ total norm');
  });
});
