// One zoo model's training step on the `torch` backend (Adam lr 1e-3, CrossEntropyLoss, batch 64, 1x28x28, like
// `twinml bench`): CPU time per kernel (engine.runKernel wrapped, summed by name over `--steps` steps), addon
// crossings per step (N-API calls, by function), and the mean wall and CPU time per step. Per-kernel times are CPU
// times (process.cpuUsage), nested kernels included in their caller's; with --wall, wall times (at several threads CPU
// time counts every thread's, so a kernel that scales looks as slow as on one).
//
//   npm run build && node bench/torch-step-profile.mjs cnn [--threads 1] [--steps 20] [--wall]
import { useBackend, tf } from '../dist/backend/index.js';
import { getZooModel } from '../dist/models/index.js';
import { manualSeed } from '../dist/nn/generator.js';
import { Adam } from '../dist/train/optim/adam.js';
import { CrossEntropyLoss } from '../dist/nn/loss/index.js';
import { backward } from '../dist/train/backward.js';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const modelName = process.argv.slice(2).find((a) => !a.startsWith('--') && Number.isNaN(Number(a))) ?? 'cnn';
const threads = arg('threads', 1);
const steps = arg('steps', 20);
const wall = process.argv.includes('--wall');
await useBackend('torch', { threads });
const backend = tf.backend();
const calls = new Map();
let counting = false;
// The addon's exports are read-only: count through a wrapper object the backend calls instead.
const counted = {};
for (const name of Object.getOwnPropertyNames(backend.addon)) {
  const f = backend.addon[name];
  counted[name] = typeof f !== 'function' ? f : (...a) => {
    if (counting) calls.set(name, (calls.get(name) ?? 0) + 1);
    return f(...a);
  };
}
backend.addon = counted;
const zoo = getZooModel(modelName);
manualSeed(1);
const model = zoo.create(zoo.resolveConfig({}, { sampleShape: [1, 28, 28], numClasses: 10 }));
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const loss = new CrossEntropyLoss();
const x = tf.randomUniform([64, 1, 28, 28], -1, 1, 'float32', 1);
const y = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => i % 10), 'int32');
model.train();
const step = () => {
  model.zeroGrad();
  const value = backward(() => loss.call(model.call(x), y), model.parameters());
  optimizer.step();
  value.dataSync();
  value.dispose();
};
for (let i = 0; i < 5; i++) step();

// Unprofiled timing first: wall time and this process's CPU time (on a loaded machine CPU time is the steadier
// figure at 1 thread; at more threads it counts every thread).
const cpuMs = (since) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
let start = performance.now();
let cpu0 = process.cpuUsage();
for (let i = 0; i < steps; i++) step();
const plain = (performance.now() - start) / steps;
const plainCpu = cpuMs(cpu0) / steps;

const engine = tf.engine();
const runKernel = engine.runKernel.bind(engine);
const byName = new Map();
let depth = 0;
engine.runKernel = (name, inputs, attrs) => {
  depth++;
  const t0 = wall ? performance.now() : process.cpuUsage();
  try {
    return runKernel(name, inputs, attrs);
  } finally {
    depth--;
    const ms = wall ? performance.now() - t0 : cpuMs(t0);
    const a = byName.get(name) ?? { count: 0, ms: 0 };
    a.count++;
    a.ms += ms;
    byName.set(name, a);
  }
};
counting = true;
start = performance.now();
for (let i = 0; i < steps; i++) step();
const profiled = (performance.now() - start) / steps;
counting = false;
let total = 0;
for (const a of byName.values()) total += a.ms;
console.log(`${modelName} train step, torch backend, ${threads} thread(s): ${plain.toFixed(3)} ms/step wall, ${plainCpu.toFixed(3)} ms/step CPU (profiled: ${profiled.toFixed(3)} ms wall; kernels ${(total / steps).toFixed(3)} ms ${wall ? 'wall' : 'CPU'})`);
for (const [name, a] of [...byName].sort((p, q) => q[1].ms - p[1].ms)) {
  console.log(`  ${name.padEnd(28)} x${(a.count / steps).toFixed(0).padStart(3)} ${(a.ms / steps).toFixed(3)} ms`);
}
let crossings = 0;
for (const v of calls.values()) crossings += v;
console.log(`addon calls per step: ${(crossings / steps).toFixed(0)} (${[...calls].sort((p, q) => q[1] - p[1]).map(([k, v]) => `${k} ${(v / steps).toFixed(0)}`).join(', ')})`);
console.log(`tensors: ${tf.memory().numTensors}, native ${backend.nativeTensorCount()}`);
{
  const f0 = process.resourceUsage().minorPageFault;
  for (let i = 0; i < steps; i++) step();
  console.log(`minor page faults per step: ${((process.resourceUsage().minorPageFault - f0) / steps).toFixed(0)}`);
}
