// Training-step throughput of a matmul-heavy MLP on the tensorflow and wasm backends (and cpu with --with-cpu),
// each as a ratio against PyTorch (CPU) measured in the same run with the same thread count.
//
//   npm run build && node bench/tensorflow-backend.mjs [--threads 1] [--steps 20] [--batch 256] [--hidden 1024] [--with-cpu] [--profile]
//
// Step = zero_grad, forward, CrossEntropyLoss, backward, Adam.step on 784 -> hidden -> hidden -> 10, batch `batch`.
// Threads: TensorFlow gets TF_NUM_INTRAOP_THREADS=TF_NUM_INTEROP_THREADS=--threads (set here before tfjs-node loads;
// TensorFlow reads them when it creates its thread pools), PyTorch torch.set_num_threads(--threads).
// tfjs-backend-wasm in Node is always single-threaded (its row says so).
// --profile prints, per tfjs backend, the kernels of one step by total kernel time (tf.profile).
// Numbers are wall-clock on a shared machine: read the ratios, not the absolute values.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { probeBackends, useBackend } from '../dist/backend/index.js';
import { Linear, ReLU, Sequential, manualSeed } from '../dist/nn/index.js';
import { backward } from '../dist/train/backward.js';
import { Adam } from '../dist/train/optim/index.js';
import { CrossEntropyLoss } from '../dist/train/loss/index.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '20' },
    batch: { type: 'string', default: '256' },
    hidden: { type: 'string', default: '1024' },
    'with-cpu': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const THREADS = Number(values.threads);
const STEPS = Number(values.steps);
const BATCH = Number(values.batch);
const HIDDEN = Number(values.hidden);
const IN = 784;
const CLASSES = 10;
const WARMUP = 3;
const cores = availableParallelism();
// Before probeBackends() imports tfjs-node: TensorFlow sizes its pools from these when its context is created.
process.env.TF_NUM_INTRAOP_THREADS = String(THREADS);
process.env.TF_NUM_INTEROP_THREADS = String(THREADS);

/**
 * Times `STEPS` training steps on one tfjs backend after `WARMUP` untimed ones.
 * @param {'tensorflow'|'wasm'|'cpu'} backend - tfjs backend to run on
 * @returns {Promise<{ msPerStep: number, finalLoss: number }>}
 */
async function timeTfjs(backend) {
  await useBackend(backend);
  manualSeed(0);
  const model = new Sequential(new Linear(IN, HIDDEN), new ReLU(), new Linear(HIDDEN, HIDDEN), new ReLU(), new Linear(HIDDEN, CLASSES));
  const x = tf.randomNormal([BATCH, IN], 0, 1, 'float32', 1);
  const y = tf.randomUniformInt([BATCH], 0, CLASSES, { seed: 2 });
  const lossFn = new CrossEntropyLoss();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  let finalLoss = NaN; // read each step: forces the step to finish before the clock stops
  const step = () => {
    optimizer.zeroGrad();
    const loss = backward(() => lossFn.call(model.call(x), y), model.parameters());
    optimizer.step();
    finalLoss = loss.dataSync()[0];
    loss.dispose();
  };
  for (let i = 0; i < WARMUP; i++) step();
  if (values.profile) await printProfile(backend, step);
  const start = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  const msPerStep = (performance.now() - start) / STEPS;
  optimizer.disposeState();
  model.dispose();
  tf.dispose([x, y]);
  return { msPerStep, finalLoss };
}

/**
 * Prints the kernels of one step, grouped by name, by total kernel time.
 * @param {string} backend - name for the heading
 * @param {() => void} step - one training step
 */
async function printProfile(backend, step) {
  const info = await tf.profile(() => step());
  /** @type {Map<string, { count: number, ms: number }>} */
  const byKernel = new Map();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += Number(await k.kernelTimeMs);
    byKernel.set(k.name, entry);
  }
  const top = [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
  console.log(`${backend}: ${info.kernels.length} kernels per step; ${top.map(([name, e]) => `${name} ×${e.count} ${e.ms.toFixed(1)} ms`).join(', ')}`);
}

const PYTORCH_STEP = `
import sys, time, torch
threads, steps, warmup, batch, hidden, n_in, classes = map(int, sys.argv[1:])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(n_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes))
x = torch.randn(batch, n_in); y = torch.randint(0, classes, (batch,))
opt = torch.optim.Adam(model.parameters(), lr=1e-3); loss_fn = torch.nn.CrossEntropyLoss()
def step():
    opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step(); return loss.item()
for _ in range(warmup): step()
t = time.perf_counter()
for _ in range(steps): step()
print((time.perf_counter() - t) / steps * 1000, torch.__version__)
`;

/**
 * Times the same step in PyTorch through the repository's .venv.
 * @param {number} threads - torch.set_num_threads value
 * @returns {{ msPerStep: number, version: string } | { error: string }}
 */
function timePytorch(threads) {
  const python = ['.venv/bin/python', '.venv/Scripts/python.exe'].find((p) => existsSync(p));
  if (!python) return { error: 'no .venv (run npm run setup)' };
  const r = spawnSync(python, ['-c', PYTORCH_STEP, ...[threads, STEPS, WARMUP, BATCH, HIDDEN, IN, CLASSES].map(String)], { encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || String(r.error)).trim().split('\n').pop() ?? 'failed' };
  const [ms, version] = r.stdout.trim().split(/\s+/);
  return { msPerStep: Number(ms), version };
}

const statuses = await probeBackends();
console.log(`MLP ${IN}-${HIDDEN}-${HIDDEN}-${CLASSES}, batch ${BATCH}, Adam + CrossEntropyLoss, ${STEPS} timed steps after ${WARMUP} warm-up, ${THREADS} thread(s), ${cores} cores`);
const torch = timePytorch(THREADS);
const rows = [];
if ('msPerStep' in torch) rows.push({ name: `PyTorch ${torch.version}`, threads: THREADS, ms: torch.msPerStep });
else console.log(`PyTorch: ${torch.error}`);
const backends = /** @type {const} */ (values['with-cpu'] ? ['tensorflow', 'wasm', 'cpu'] : ['tensorflow', 'wasm']);
for (const backend of backends) {
  const status = statuses.find((s) => s.name === backend);
  if (!status?.available) {
    console.log(`${backend}: not available (${status?.reason})`);
    continue;
  }
  const { msPerStep } = await timeTfjs(backend);
  rows.push({ name: `tfjs ${backend} (${status.detail})`, threads: backend === 'tensorflow' ? THREADS : 1, ms: msPerStep });
}
console.log('');
console.log(`| backend | threads | ms/step | samples/s | vs PyTorch ${THREADS} thread(s) |`);
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const ratio = 'msPerStep' in torch ? `${(torch.msPerStep / r.ms).toFixed(2)}×` : 'n/a';
  console.log(`| ${r.name} | ${r.threads} | ${r.ms.toFixed(1)} | ${Math.round((BATCH * 1000) / r.ms)} | ${ratio} |`);
}
