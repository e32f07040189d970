// What bounds the zoo `mlp` training step on the wasm backend against PyTorch (1 thread), measured in one run:
//
//   npm run build && node bench/wasm-mlp-bound.mjs [--repeats 5] [--min-seconds 0.1]
//
// 1. The GEMMs of one step (784-256-128-10, batch 64; weights stored [in, out] as src/nn/linear.ts does):
//    forward X·W, weight gradients X^T·dY, input gradients dY·W^T for layers 2 and 3 (the network input needs
//    none), and their FLOPs (2·m·k·n each).
// 2. Each GEMM timed on wasm with twinml's SIMD128 kernel (src/backend/wasm/gemm-simd.ts) and with the kernel it
//    replaced (tfjs-backend-wasm's XNNPACK path behind src/backend/wasm/fast-batch-matmul.ts), interleaved so that
//    machine load hits both alike, with a freshly written B each call (weights change every step), and the same
//    shapes with torch.mm on 1 thread (bench/torch_gemm.py).
// 3. The full training step (Adam, CrossEntropyLoss) on wasm and in PyTorch 1 thread (bench/torch_bench.py).
// Then: the lowest wasm step time the GEMMs alone allow (sum of the best wasm time per GEMM) and thus the best
// ratio wasm could reach with every other cost at zero. Shared machine: read ratios; `uptime` is printed.
import { execSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../dist/backend/index.js';
import { originalWasmKernel } from '../dist/backend/wasm/register.js';
import { findPython } from '../dist/bridge/find-python.js';
import { measureZooModel } from '../dist/bench/zoo-sections.js';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' }, 'min-seconds': { type: 'string', default: '0.1' } } });
const REPEATS = Number(values.repeats);
const MIN_SECONDS = Number(values['min-seconds']);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** [name, m, k, n, transposeA, transposeB] */
const GEMMS = [
  ['fc1 forward   X·W1', 64, 784, 256, false, false],
  ['fc2 forward   H1·W2', 64, 256, 128, false, false],
  ['fc3 forward   H2·W3', 64, 128, 10, false, false],
  ['fc3 weight    H2^T·dY3', 128, 64, 10, true, false],
  ['fc3 input     dY3·W3^T', 64, 10, 128, false, true],
  ['fc2 weight    H1^T·dY2', 256, 64, 128, true, false],
  ['fc2 input     dY2·W2^T', 64, 128, 256, false, true],
  ['fc1 weight    X^T·dY1', 784, 64, 256, true, false],
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** ms per call of each registered kernel variant on GEMM g, interleaved, fresh B each call (its copy timed apart). */
function timeWasmGemm(g, variants) {
  const [, m, k, n, tA, tB] = g;
  const a = tf.randomUniform(tA ? [k, m] : [m, k]);
  const b = tf.randomUniform(tB ? [n, k] : [k, n]);
  const withMatMul = () => { const bb = tf.add(b, 0); const c = tf.matMul(a, bb, tA, tB); c.dataSync(); tf.dispose([bb, c]); };
  const copyOnly = () => { const bb = tf.add(b, 0); bb.dataSync(); bb.dispose(); };
  const use = (config) => { tf.unregisterKernel('BatchMatMul', 'wasm'); tf.registerKernel(config); };
  const timeLoop = (fn) => { let calls = 0; const start = performance.now(); do { fn(); calls++; } while (performance.now() - start < MIN_SECONDS * 1000); return (performance.now() - start) / calls; };
  const samples = variants.map(() => []);
  for (let r = 0; r < REPEATS + 1; r++) {
    variants.forEach((v, i) => {
      use(v);
      const ms = timeLoop(withMatMul) - timeLoop(copyOnly);
      if (r > 0) samples[i].push(ms);
    });
  }
  tf.dispose([a, b]);
  return samples.map(median);
}

await useBackend('wasm');
const simd = tf.getKernel('BatchMatMul', 'wasm');
const xnnpack = originalWasmKernel('BatchMatMul');
if (!xnnpack) throw new Error('twinml did not replace BatchMatMul on wasm: nothing to compare');
console.log(`uptime: ${execSync('uptime').toString().trim()}`);

const torchGemm = runPython('torch_gemm.py', { shapes: GEMMS.map((g) => g.slice(1)), repeats: REPEATS, min_seconds: MIN_SECONDS });
const rows = GEMMS.map((g) => {
  const [oursMs, xnnMs] = timeWasmGemm(g, [simd, xnnpack]);
  return { g, oursMs, xnnMs, torchMs: torchGemm.ms[GEMMS.indexOf(g)] };
});
tf.unregisterKernel('BatchMatMul', 'wasm');
tf.registerKernel(simd);

const gf = (f, ms) => (f / ms / 1e6).toFixed(1);
console.log(`\nGEMMs of one mlp training step (batch 64), ms per call and GFLOP/s; torch ${torchGemm.torch_version} 1 thread`);
console.log('gemm                    m x k x n         MFLOP   wasm SIMD (twinml)   wasm XNNPACK (tfjs)   torch.mm 1T');
let sum = { ours: 0, xnn: 0, best: 0, torch: 0 };
for (const { g, oursMs, xnnMs, torchMs } of rows) {
  const f = flops(g);
  sum = { ours: sum.ours + oursMs, xnn: sum.xnn + xnnMs, best: sum.best + Math.min(oursMs, xnnMs), torch: sum.torch + torchMs };
  const cell = (ms) => `${ms.toFixed(3)} (${gf(f, ms).padStart(5)})`.padEnd(21);
  console.log(`${g[0].padEnd(23)} ${`${g[1]}x${g[2]}x${g[3]}${g[4] ? ' tA' : ''}${g[5] ? ' tB' : ''}`.padEnd(17)} ${(f / 1e6).toFixed(2).padStart(5)}   ${cell(oursMs)}${cell(xnnMs)} ${cell(torchMs)}`);
}
console.log(`${'all'.padEnd(41)} ${(STEP_FLOPS / 1e6).toFixed(2).padStart(5)}   ${`${sum.ours.toFixed(3)} (${gf(STEP_FLOPS, sum.ours)})`.padEnd(21)}${`${sum.xnn.toFixed(3)} (${gf(STEP_FLOPS, sum.xnn)})`.padEnd(21)} ${sum.torch.toFixed(3)} (${gf(STEP_FLOPS, sum.torch)})`);

const job = { batch_size: 64, warmup: 5, repeats: 5, min_seconds: 0.5, threads: [1], models: [{ name: 'mlp', module: 'mlp', cls: 'MLP', kwargs: {}, sample_shape: [1, 28, 28], num_classes: 10 }] };
const torchBefore = runPython('torch_bench.py', job).results['1'].models.mlp.train;
const wasmStep = await measureZooModel('mlp', [1, 28, 28], 10, { batchSize: 64, warmup: 20, repeats: 5, minSeconds: 0.5 });
const torchAfter = runPython('torch_bench.py', job).results['1'].models.mlp.train;
const torchRate = (torchBefore + torchAfter) / 2;
const torchStepMs = (64 / torchRate) * 1000;
const wasmStepMs = (64 / wasmStep.train) * 1000;

console.log(`\nfull training step (Adam lr 1e-3, CrossEntropyLoss, batch 64)`);
console.log(`  PyTorch 1 thread : ${torchStepMs.toFixed(3)} ms/step, ${torchRate.toFixed(0)} samples/s (runs ${torchBefore.toFixed(0)}, ${torchAfter.toFixed(0)}), ${gf(STEP_FLOPS, torchStepMs)} GFLOP/s of GEMM work`);
console.log(`  wasm (twinml)    : ${wasmStepMs.toFixed(3)} ms/step, ${wasmStep.train.toFixed(0)} samples/s, ratio ${(wasmStep.train / torchRate).toFixed(2)}x; GEMMs ${sum.ours.toFixed(3)} ms of it (${((sum.ours / wasmStepMs) * 100).toFixed(0)}%)`);
console.log(`\nbound: ${(STEP_FLOPS / 1e6).toFixed(2)} MFLOP per step; best wasm GEMM time per step ${sum.best.toFixed(3)} ms (${gf(STEP_FLOPS, sum.best)} GFLOP/s)`);
console.log(`  -> with every non-GEMM cost at zero, wasm reaches at most ${(torchStepMs / sum.best).toFixed(2)}x PyTorch 1 thread (PyTorch's whole step: ${torchStepMs.toFixed(3)} ms; its GEMMs alone: ${sum.torch.toFixed(3)} ms)`);
console.log(`uptime: ${execSync('uptime').toString().trim()}`);
