// What bounds the zoo `mlp` training step on the wasm backend against PyTorch (1 thread), measured in one run:
//
//   npm run build && node bench/wasm-mlp-bound.mjs [--steps 300]
//
// 1. The GEMMs of one step (784-256-128-10, batch 64; weights in PyTorch's [out, in] layout as src/nn/linear.ts
//    stores them): forward X·W^T, weight gradients dY^T·X, input gradients dY·W for layers 2 and 3 (the network
//    input needs none), and their FLOPs (2·m·k·n each).
// 2. Each GEMM timed on wasm with twinml's SIMD128 kernel (src/backend/wasm/gemm-simd.ts) and with the kernel it
//    replaced (tfjs-backend-wasm's XNNPACK path behind src/backend/wasm/fast-batch-matmul.ts), each timed inside
//    real training steps (so with the cache state and the fresh weights of training), and the same shapes with
//    torch.mm on 1 thread (bench/torch_mlp_bound.py).
// 3. The full training step (Adam, CrossEntropyLoss) on wasm and in PyTorch 1 thread; on wasm also with Linear
//    unfused (no _FusedMatMul kernel: BatchMatMul, Add and Relu as before src/nn/linear-functional.ts; the
//    SIMD GEMM as in the fused step).
// Then: the lowest wasm step time the GEMMs alone allow (sum of the best wasm time per GEMM) and thus the best
// ratio wasm could reach with every other cost at zero.
// Every call is timed on its own; both sides report the 10th percentile (the undisturbed figure, used for the
// bound and the ratios) and the median: on a busy shared machine preemption hits some calls, not most, so
// these stay put where means and loop totals do not. PyTorch and wasm run twice each, alternating, and the
// lower figure of the two runs counts. `uptime` is printed before and after.
import { execSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../dist/backend/index.js';
import { originalWasmKernel } from '../dist/backend/wasm/register.js';
import { withRank2Operands } from '../dist/backend/wasm/simd-fused-matmul.js';
import { findPython } from '../dist/bridge/find-python.js';
import { getZooModel } from '../dist/models/index.js';
import { manualSeed } from '../dist/nn/generator.js';
import { backward } from '../dist/train/backward.js';
import { CrossEntropyLoss } from '../dist/nn/loss/index.js';
import { Adam } from '../dist/train/optim/adam.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '300' } } });
const STEPS = Number(values.steps);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** [name, m, k, n, transposeA, transposeB] */
const GEMMS = [
  ['fc1 forward   X·W1^T', 64, 784, 256, false, true],
  ['fc2 forward   H1·W2^T', 64, 256, 128, false, true],
  ['fc3 forward   H2·W3^T', 64, 128, 10, false, true],
  ['fc3 weight    dY3^T·H2', 10, 64, 128, true, false],
  ['fc3 input     dY3·W3', 64, 10, 128, false, false],
  ['fc2 weight    dY2^T·H1', 128, 64, 256, true, false],
  ['fc2 input     dY2·W2', 64, 128, 256, false, false],
  ['fc1 weight    dY1^T·X', 256, 64, 784, true, false],
];
const flops = (g) => 2 * g[1] * g[2] * g[3];
const STEP_FLOPS = GEMMS.reduce((s, g) => s + flops(g), 0);

function python() {
  const found = findPython();
  if (!found.chosen?.executable) throw new Error(found.advice ?? 'no Python with torch found');
  return found.chosen.executable;
}

function runPython(script, job) {
  const r = spawnSync(python(), [join(root, 'bench', script)], { input: JSON.stringify(job), encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(root, 'python') }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** [10th percentile, median] of per-call ms (see the header: the 10th percentile is the undisturbed figure). */
const quantiles = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return [s[Math.floor(s.length / 10)], s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2];
};

/**
 * [10th percentile, median] ms of a training step and, per GEMM shape, of its calls, over STEPS zoo mlp training
 * steps on the active backend (the step of bench/zoo-sections.ts) with `kernels` registered for the run:
 * BatchMatMul, _FusedMatMul and TwinmlDenseGrad configs (a fused Linear's forward GEMM runs as _FusedMatMul,
 * timed with its bias and ReLU; its weight gradient as TwinmlDenseGrad, timed with the bias gradient and ReLU
 * mask); a null config unregisters the kernel: without _FusedMatMul Linear runs unfused (BatchMatMul, Add,
 * Relu), without TwinmlDenseGrad the fused gradient runs ReluBackward, BatchMatMul and Sum. The previous
 * registrations are restored afterwards.
 */
function timeSteps(kernels) {
  const perShape = new Map();
  const previous = new Map();
  for (const [name, config] of Object.entries(kernels)) {
    previous.set(name, tf.getKernel(name, 'wasm'));
    if (previous.get(name)) tf.unregisterKernel(name, 'wasm');
    if (!config) continue;
    const inner = config.kernelFunc;
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const t0 = performance.now();
        const out = inner(args);
        // TwinmlDenseGrad computes x^T·dy (the weight gradient, with the bias gradient and ReLU mask).
        const dense = name === 'TwinmlDenseGrad';
        const { a, b } = dense ? { a: args.inputs.x, b: args.inputs.dy } : args.inputs;
        const { transposeA, transposeB } = dense ? { transposeA: true, transposeB: false } : args.attrs;
        const key = `${a.shape.join('x')}${transposeA ? 'T' : ''}*${b.shape.join('x')}${transposeB ? 'T' : ''}`;
        if (recording) (perShape.get(key) ?? perShape.set(key, []).get(key)).push(performance.now() - t0);
        return out;
      },
    });
  }
  const zoo = getZooModel('mlp');
  manualSeed(1);
  const model = zoo.create(zoo.resolveConfig({}, { sampleShape: [1, 28, 28], numClasses: 10 }));
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const loss = new CrossEntropyLoss();
  const x = tf.randomUniform([64, 1, 28, 28], -1, 1);
  const y = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => i % 10), 'int32');
  const step = () => {
    model.zeroGrad();
    const value = backward(() => loss.call(model.call(x), y), model.parameters());
    optimizer.step();
    value.dataSync();
    value.dispose();
  };
  let recording = false;
  for (let i = 0; i < 30; i++) step();
  recording = true;
  const steps = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    step();
    steps.push(performance.now() - t0);
  }
  model.zeroGrad();
  model.dispose();
  optimizer.disposeState();
  tf.dispose([x, y]);
  for (const [name, config] of previous) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
    if (config) tf.registerKernel(config);
  }
  return { stepMs: quantiles(steps), gemmMs: new Map([...perShape].map(([k, v]) => [k, quantiles(v)])) };
}

/** The BatchMatMul key timeSteps records for GEMM g (weights stored [in, out]). */
function keyOf(g) {
  const [, m, k, n, tA, tB] = g;
  return `${(tA ? [k, m] : [m, k]).join('x')}${tA ? 'T' : ''}*${(tB ? [n, k] : [k, n]).join('x')}${tB ? 'T' : ''}`;
}

await useBackend('wasm');
const simd = { BatchMatMul: tf.getKernel('BatchMatMul', 'wasm'), _FusedMatMul: tf.getKernel('_FusedMatMul', 'wasm'), TwinmlDenseGrad: tf.getKernel('TwinmlDenseGrad', 'wasm') };
const xnnpackFused = originalWasmKernel('_FusedMatMul');
const xnnpack = { BatchMatMul: originalWasmKernel('BatchMatMul'), _FusedMatMul: xnnpackFused && withRank2Operands(xnnpackFused), TwinmlDenseGrad: null };
const unfused = { BatchMatMul: simd.BatchMatMul, _FusedMatMul: null, TwinmlDenseGrad: null };
if (!xnnpack.BatchMatMul || !xnnpack._FusedMatMul) throw new Error('twinml did not replace BatchMatMul and _FusedMatMul on wasm: nothing to compare');
console.log(`uptime: ${execSync('uptime').toString().trim()}`);

const torchJob = { shapes: GEMMS.map((g) => g.slice(1)), calls: STEPS };
const torchBefore = runPython('torch_mlp_bound.py', torchJob);
const ours = timeSteps(simd);
const unfusedRun = timeSteps(unfused);
const theirs = timeSteps(xnnpack);
const ours2 = timeSteps(simd);
const unfusedRun2 = timeSteps(unfused);
const torchAfter = runPython('torch_mlp_bound.py', torchJob);
// Both sides ran twice; the lower median of each is the one least disturbed by other processes.
const lower = (x, y) => [Math.min(x[0], y[0]), Math.min(x[1], y[1])];
const torchSide = {
  torch_version: torchBefore.torch_version,
  gemm_ms: torchBefore.gemm_ms.map((q, i) => lower(q, torchAfter.gemm_ms[i])),
  step_ms: lower(torchBefore.step_ms, torchAfter.step_ms),
};
const rows = GEMMS.map((g, i) => {
  const a = ours.gemmMs.get(keyOf(g));
  const b = ours2.gemmMs.get(keyOf(g));
  const xnnMs = theirs.gemmMs.get(keyOf(g));
  if (a === undefined || b === undefined || xnnMs === undefined) throw new Error(`GEMM ${keyOf(g)} did not run in the step (ran: ${[...ours.gemmMs.keys()].join(', ')})`);
  return { g, oursMs: Math.min(a[0], b[0]), xnnMs: xnnMs[0], torchMs: torchSide.gemm_ms[i][0] };
});

const gf = (f, ms) => (f / ms / 1e6).toFixed(1);
console.log(`\nGEMMs of one mlp training step (batch 64): 10th-percentile ms per call (GFLOP/s); torch ${torchSide.torch_version} 1 thread`);
console.log('gemm                    m x k x n         MFLOP   wasm SIMD (twinml)   wasm XNNPACK (tfjs)   torch.mm 1T');
let sum = { ours: 0, xnn: 0, best: 0, torch: 0 };
for (const { g, oursMs, xnnMs, torchMs } of rows) {
  const f = flops(g);
  sum = { ours: sum.ours + oursMs, xnn: sum.xnn + xnnMs, best: sum.best + Math.min(oursMs, xnnMs), torch: sum.torch + torchMs };
  const cell = (ms) => `${ms.toFixed(3)} (${gf(f, ms).padStart(5)})`.padEnd(21);
  console.log(`${g[0].padEnd(23)} ${`${g[1]}x${g[2]}x${g[3]}${g[4] ? ' tA' : ''}${g[5] ? ' tB' : ''}`.padEnd(17)} ${(f / 1e6).toFixed(2).padStart(5)}   ${cell(oursMs)}${cell(xnnMs)} ${cell(torchMs)}`);
}
const total = (ms) => `${ms.toFixed(3)} (${gf(STEP_FLOPS, ms).padStart(5)})`.padEnd(21);
console.log(`${'all'.padEnd(41)} ${(STEP_FLOPS / 1e6).toFixed(2).padStart(5)}   ${total(sum.ours)}${total(sum.xnn)} ${total(sum.torch)}`);

const wasmStep = lower(ours.stepMs, ours2.stepMs);
const torchStep = torchSide.step_ms;
const fmt = (q) => `${q[0].toFixed(3)} ms (median ${q[1].toFixed(3)})`;
console.log(`\nfull training step (Adam lr 1e-3, CrossEntropyLoss, batch 64), 10th percentile (median)`);
console.log(`  PyTorch 1 thread     : ${fmt(torchStep)} = ${(64000 / torchStep[0]).toFixed(0)} samples/s, ${gf(STEP_FLOPS, torchStep[0])} GFLOP/s of GEMM work`);
console.log(`  wasm (twinml)        : ${fmt(wasmStep)} = ${(64000 / wasmStep[0]).toFixed(0)} samples/s, ratio ${(torchStep[0] / wasmStep[0]).toFixed(2)}x (medians ${(torchStep[1] / wasmStep[1]).toFixed(2)}x); GEMMs ${sum.ours.toFixed(3)} ms of it (${((sum.ours / wasmStep[0]) * 100).toFixed(0)}%)`);
const unfusedStep = lower(unfusedRun.stepMs, unfusedRun2.stepMs);
console.log(`  wasm, Linear unfused : ${fmt(unfusedStep)} = ${(64000 / unfusedStep[0]).toFixed(0)} samples/s, ratio ${(torchStep[0] / unfusedStep[0]).toFixed(2)}x (BatchMatMul + Add + Relu; fused saves ${(((unfusedStep[0] - wasmStep[0]) / unfusedStep[0]) * 100).toFixed(1)}% of the step)`);
console.log(`  wasm, XNNPACK matmul : ${fmt(theirs.stepMs)} = ${(64000 / theirs.stepMs[0]).toFixed(0)} samples/s, ratio ${(torchStep[0] / theirs.stepMs[0]).toFixed(2)}x`);
console.log(`\nbound: ${(STEP_FLOPS / 1e6).toFixed(2)} MFLOP of GEMMs per step; best wasm time for them ${sum.best.toFixed(3)} ms (${gf(STEP_FLOPS, sum.best)} GFLOP/s)`);
console.log(`  -> with every non-GEMM cost at zero, wasm reaches at most ${(torchStep[0] / sum.best).toFixed(2)}x PyTorch 1 thread (PyTorch's whole step: ${torchStep[0].toFixed(3)} ms; its GEMMs alone: ${sum.torch.toFixed(3)} ms)`);
console.log(`uptime: ${execSync('uptime').toString().trim()}`);
