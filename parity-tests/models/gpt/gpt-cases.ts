/**
 * gpt parity against python/twinml_ref/models/gpt.py: the same weights (the TS state_dict, sent to PyTorch) give the
 * same logits, loss, every parameter gradient and KV-cache logits; and a 20-step AdamW trajectory (weight decay on
 * 2-D weights only, clip_grad_norm_ 1.0) gives the same losses and final weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GPT, resolveGPTConfig, type GPTConfig } from '../../../src/models/gpt/index.js';
import { manualSeed } from '../../../src/nn/generator.js';
import { fromHost } from '../../../src/nn/host.js';
import { backward } from '../../../src/train/backward.js';
import { clip_grad_norm_ } from '../../../src/nn/utils/clip-grad.js';
import { languageModelAdamW, languageModelLoss } from '../../../src/train/lm/index.js';
import type { PythonBridge } from '../../../src/bridge/python-bridge.js';
import type { ParityRow } from '../../../src/parity/report.js';
import type { HostTensor, StateDict } from '../../../src/util/host-tensor.js';
import { compareTensor } from '../../../src/parity/tolerance.js';
import { pick, reference } from '../../../src/parity/reference.js';
import { PARITY_SEED, randint } from '../../../src/parity/random.js';
import { gradsByKey } from '../../support/module-runner.js';
import { TRAJECTORY_STEPS, trajectoryRows } from '../zoo-cases.js';

export { TRAJECTORY_STEPS };
/** Batch 3 of 13 tokens (odd, shorter than the block) over an 11-character vocabulary. */
export const BATCH = 3;
export const TOKENS = 13;
/** The cached decode feeds this many tokens first, then the rest. */
export const PREFIX = 8;
export const ADAMW = { lr: 3e-3, weightDecay: 0.1, betas: [0.9, 0.99] as [number, number], clipGradNorm: 1.0 };

export interface GPTCase {
  label: string;
  config: GPTConfig;
}

/** Two small configs: nanoGPT's default switches (bias, tied head) and the opposite. */
export function gptCases(): GPTCase[] {
  const base = { block_size: 16, vocab_size: 11, n_layer: 2, n_head: 2, n_embd: 12, dropout: 0 };
  return [
    { label: 'gpt (bias, tied head)', config: resolveGPTConfig({ ...base, bias: true, tie_weights: true }) },
    { label: 'gpt (no bias, untied head)', config: resolveGPTConfig({ ...base, bias: false, tie_weights: false }) },
  ];
}

function build(c: GPTCase): { model: GPT; sent: StateDict } {
  manualSeed(PARITY_SEED);
  const model = new GPT(c.config);
  const sent: StateDict = new Map();
  for (const [k, v] of model.stateDict()) sent.set(`state.${k}`, v);
  return { model, sent };
}

function slice(t: HostTensor, i: number): HostTensor {
  const size = t.data.length / t.shape[0]!;
  return { dtype: t.dtype, shape: t.shape.slice(1), data: t.data.subarray(i * size, (i + 1) * size) } as HostTensor;
}

/**
 * Logits, loss, every gradient (eval mode), the logits of a KV-cache decode and the cache itself.
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use
 */
export async function runGPTStep(py: PythonBridge, c: GPTCase, backend: string): Promise<ParityRow[]> {
  const { model, sent } = build(c);
  try {
    const idx = randint(`models/${c.label}/idx`, [BATCH, TOKENS], c.config.vocab_size);
    const targets = randint(`models/${c.label}/targets`, [BATCH, TOKENS], c.config.vocab_size);
    sent.set('idx', idx);
    sent.set('targets', targets);
    const ref = await reference(py, 'gpt_step', { config: c.config, prefix: PREFIX }, sent);
    model.eval();
    const x = fromHost(idx);
    const y = fromHost(targets);
    const logits = tf.tidy(() => model.call(x));
    const loss = backward(() => languageModelLoss(model.call(x), y), model.parameters());
    const cached = tf.tidy(() => {
      const first = model.forwardWithCache(tf.slice(x, [0, 0], [BATCH, PREFIX]), null);
      const rest = model.forwardWithCache(tf.slice(x, [0, PREFIX], [BATCH, TOKENS - PREFIX]), first.present);
      return { logits: tf.concat([first.logits, rest.logits], 1), present: rest.present };
    });
    const ctx = (tensor: string) => ({ subject: 'models', name: `models/${c.label}/${tensor}`, backend, seed: PARITY_SEED });
    const rows = [
      compareTensor(ctx('logits'), logits.dataSync(), pick(ref.g, 'logits'), pick(ref.p, 'logits')),
      compareTensor(ctx('loss'), loss.dataSync(), pick(ref.g, 'loss'), pick(ref.p, 'loss')),
      compareTensor(ctx(`logits with the KV cache (${PREFIX} + ${TOKENS - PREFIX} tokens)`), cached.logits.dataSync(), pick(ref.g, 'cached_logits'), pick(ref.p, 'cached_logits')),
    ];
    cached.present.forEach((layer, i) => {
      rows.push(compareTensor(ctx(`present.${i}.key`), layer.key.dataSync(), pick(ref.g, `present.${i}.key`), pick(ref.p, `present.${i}.key`)));
      rows.push(compareTensor(ctx(`present.${i}.value`), layer.value.dataSync(), pick(ref.g, `present.${i}.value`), pick(ref.p, `present.${i}.value`)));
    });
    for (const [key, grad] of gradsByKey(model)) rows.push(compareTensor(ctx(key), grad.data, pick(ref.g, key), pick(ref.p, key)));
    tf.dispose([logits, loss, x, y, cached]);
    return rows;
  } finally {
    model.dispose();
  }
}

/**
 * 20 AdamW steps (train mode, nanoGPT's groups, clip_grad_norm_ 1.0): every step's loss and the final state_dict.
 * @param py - the bridge
 * @param c - the case
 * @param backend - the backend in use
 */
export async function runGPTTrajectory(py: PythonBridge, c: GPTCase, backend: string): Promise<ParityRow[]> {
  const { model, sent } = build(c);
  const idx = randint(`models/${c.label}/batches`, [TRAJECTORY_STEPS, BATCH, TOKENS], c.config.vocab_size);
  const targets = randint(`models/${c.label}/batch-targets`, [TRAJECTORY_STEPS, BATCH, TOKENS], c.config.vocab_size);
  sent.set('idx', idx);
  sent.set('targets', targets);
  const opt = languageModelAdamW(model, ADAMW);
  try {
    const ref = await reference(py, 'gpt_train', { config: c.config, lr: ADAMW.lr, weight_decay: ADAMW.weightDecay, betas: ADAMW.betas, clip_grad_norm: ADAMW.clipGradNorm }, sent);
    model.train();
    const params = model.parameters();
    const losses = new Float32Array(TRAJECTORY_STEPS);
    for (let s = 0; s < TRAJECTORY_STEPS; s++) {
      const x = fromHost(slice(idx, s));
      const y = fromHost(slice(targets, s));
      opt.zeroGrad();
      const loss = backward(() => languageModelLoss(model.call(x), y), params);
      clip_grad_norm_(params, ADAMW.clipGradNorm);
      opt.step();
      losses[s] = loss.dataSync()[0]!;
      tf.dispose([loss, x, y]);
    }
    return trajectoryRows(c.label, backend, losses, model.stateDict(), ref);
  } finally {
    opt.disposeState();
    model.dispose();
  }
}
