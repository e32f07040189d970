// Kernels per wasm training step and alternating CPU times per step of the zoo CNN, the same layers as a Sequential, and
// the functional CNN (F.relu / F.max_pool2d; bench/ordinary-cnn.ts). Adam lr 1e-3, CrossEntropyLoss, batch 64.
//
//   npm run build && npm run build:bench && node bench/cnn-styles-profile.mjs [--rounds 20] [--steps 3] [--kernels]
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../dist/backend/index.js';
import { getZooModel } from '../dist/models/index.js';
import { manualSeed } from '../dist/nn/generator.js';
import { Adam } from '../dist/train/optim/adam.js';
import { CrossEntropyLoss } from '../dist/nn/loss/index.js';
import { backward } from '../dist/train/backward.js';
import { FunctionalCNN, sequentialCNN } from './ordinary-cnn.js';

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const rounds = arg('rounds', 20);
const stepsPerRound = arg('steps', 3);
const showKernels = process.argv.includes('--kernels');

await useBackend('wasm');
const zoo = getZooModel('cnn');
const x = tf.randomUniform([64, 1, 28, 28], -1, 1, 'float32', 1);
const y = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => i % 10), 'int32');
const make = {
  zoo: () => zoo.create(zoo.resolveConfig({}, { sampleShape: [1, 28, 28], numClasses: 10 })),
  sequential: () => sequentialCNN(),
  functional: () => new FunctionalCNN(),
};
const steps = {};
for (const [name, build] of Object.entries(make)) {
  manualSeed(1);
  const model = build();
  model.train();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const loss = new CrossEntropyLoss();
  steps[name] = () => {
    model.zeroGrad();
    const value = backward(() => loss.call(model.call(x), y), model.parameters());
    optimizer.step();
    value.dataSync();
    value.dispose();
  };
  for (let i = 0; i < 3; i++) steps[name]();
  const profile = await tf.profile(steps[name]);
  const byName = new Map();
  for (const k of profile.kernels) {
    const a = byName.get(k.name) ?? { count: 0, ms: 0 };
    a.count++;
    a.ms += k.kernelTimeMs;
    byName.set(k.name, a);
  }
  const transposes = byName.get('Transpose')?.count ?? 0;
  console.log(`${name}: ${profile.kernels.length} kernels per step, ${transposes} Transpose`);
  if (showKernels) for (const [k, a] of [...byName].sort((p, q) => q[1].ms - p[1].ms)) console.log(`  ${k} x${a.count} ${a.ms.toFixed(2)} ms`);
}
// CPU time of this process (user + system): on a shared machine it moves far less with other jobs' load than
// wall time; the steps run single-threaded.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const times = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
const wall = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, step] of Object.entries(steps)) {
    const start = cpuMs();
    const startWall = performance.now();
    for (let i = 0; i < stepsPerRound; i++) step();
    times[name].push((cpuMs() - start) / stepsPerRound);
    wall[name].push((performance.now() - startWall) / stepsPerRound);
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const zooMs = median(times.zoo);
for (const [name, t] of Object.entries(times)) {
  const w = wall[name];
  console.log(`${name}: CPU ms/step median ${median(t).toFixed(2)}, min ${Math.min(...t).toFixed(2)} over ${t.length} rounds; zoo/this ${(zooMs / median(t)).toFixed(3)} | wall median ${median(w).toFixed(2)}, zoo/this ${(median(wall.zoo) / median(w)).toFixed(3)}`);
}
console.log(`tensors ${tf.memory().numTensors}`);
