// Micro-benchmarks of the kernels behind twinml's sequence modules (issue 16) on one backend:
//
//   npm run build && node bench/sequence-kernels.mjs [--backend wasm] [--repeats 200]
//
// Each row is the 10th-percentile time of one call (forward, or forward + backward through tf.grad) in ms, on
// the shapes of a small GPT (batch 16, 2 heads, 32 tokens, width 64): the attention's batched products
// [16,2,32,32]·[16,2,32,32] (plain, B transposed as q·kᵀ, A transposed as a gradient), softmax over the last
// axis, F.layer_norm, the embedding gradient, and one TransformerEncoderLayer forward + backward. Each row runs
// twice in the same process, alternating: with twinml's kernels ("twinml") and with the kernels twinml adds for
// these shapes taken out ("without"): batched products off the SIMD GEMM (as before it covered them), and the fused
// Softmax-gradient / LayerNorm kernels unregistered (the composed tfjs ops run instead).
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../dist/backend/index.js';
import * as F from '../dist/nn/functional/index.js';
import * as nn from '../dist/nn/index.js';
import { setBatchedSimdGemm } from '../dist/backend/wasm/simd-matmul.js';
import { LAYER_NORM, LAYER_NORM_BACKWARD, SOFTMAX_BACKWARD } from '../dist/backend/kernel-names.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, repeats: { type: 'string', default: '200' } } });
const REPEATS = Number(values.repeats);
await useBackend(values.backend);

function p10(f) {
  for (let i = 0; i < 5; i++) tf.tidy(f);
  const times = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    tf.tidy(() => {
      const out = f();
      (Array.isArray(out) ? out : [out]).forEach((t) => t.dataSync());
    });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 10)];
}

/** Swaps twinml's kernels out (and back in): the previous BatchMatMul and no fused sequence kernels. */
const backend = values.backend;
const ours = [SOFTMAX_BACKWARD, LAYER_NORM, LAYER_NORM_BACKWARD].map((name) => tf.getKernel(name, backend)).filter(Boolean);
function withoutTwinml(f) {
  for (const k of ours) tf.unregisterKernel(k.kernelName, k.backendName);
  setBatchedSimdGemm(false);
  try {
    return f();
  } finally {
    setBatchedSimdGemm(true);
    for (const k of ours) tf.registerKernel(k);
  }
}

const rows = [];
const row = (name, f) => {
  let twinml = Infinity;
  let without = Infinity;
  for (let round = 0; round < 2; round++) {
    twinml = Math.min(twinml, p10(f));
    without = Math.min(without, withoutTwinml(() => p10(f)));
  }
  rows.push({ name, twinmlMs: twinml, withoutMs: without });
  console.log(`${name.padEnd(62)} twinml ${twinml.toFixed(3)} ms   without ${without.toFixed(3)} ms   x${(without / twinml).toFixed(2)}`);
};
const a = tf.randomNormal([16, 2, 32, 32]);
const b = tf.randomNormal([16, 2, 32, 32]);
row('matMul [16,2,32,32]·[16,2,32,32]', (() => tf.matMul(a, b)));
row('matMul a·bᵀ (q·kᵀ)', (() => tf.matMul(a, b, false, true)));
row('matMul aᵀ·b (gradient)', (() => tf.matMul(a, b, true, false)));
const scores = tf.randomNormal([16, 2, 32, 32]);
const cot = tf.randomNormal([16, 2, 32, 32]);
row('softmax [16,2,32,32] forward', (() => tf.softmax(scores)));
row('softmax forward + backward', (() => tf.grad((x) => tf.sum(tf.mul(tf.softmax(x), cot)))(scores)));
const x = tf.randomNormal([16, 32, 64]);
const w = tf.randomNormal([64]);
const bias = tf.randomNormal([64]);
const cx = tf.randomNormal([16, 32, 64]);
row('F.layer_norm [16,32,64] forward', (() => F.layer_norm(x, [64], w, bias)));
row('F.layer_norm forward + backward (x, weight, bias)', (() => tf.grads((xi, wi, bi) => tf.sum(tf.mul(F.layer_norm(xi, [64], wi, bi), cx)))([x, w, bias])));
const emb = new nn.Embedding(65, 64);
const idx = tf.tensor(Int32Array.from({ length: 512 }, (_, i) => (i * 7) % 65), [16, 32], 'int32');
const cemb = tf.randomNormal([16, 32, 64]);
row('Embedding(65,64) [16,32] forward + backward', (() => tf.variableGrads(() => tf.sum(tf.mul(emb.call(idx), cemb)), [emb.weight.variable]).grads[emb.weight.variable.name]));
nn.manualSeed(1);
const layer = new nn.TransformerEncoderLayer(64, 2, { dimFeedforward: 256, dropout: 0, batchFirst: true, normFirst: true });
const mask = tf.tensor2d(Uint8Array.from({ length: 32 * 32 }, (_, i) => (i % 32 > Math.floor(i / 32) ? 1 : 0)), [32, 32], 'bool');
const params = layer.parameters().map((p) => p.variable);
row('TransformerEncoderLayer(64,2,256) causal, forward + backward', (() => Object.values(tf.variableGrads(() => tf.sum(tf.mul(layer.call(x, { srcMask: mask, isCausal: true }), cx)), params).grads)));
console.log(JSON.stringify({ backend, repeats: REPEATS, rows }));
