// One zoo model's wasm training step (Adam lr 1e-3, CrossEntropyLoss, batch 64, 1x28x28, like `twinml bench`):
// the kernels of one step (tf.profile, summed by name) and the mean wall time per step over `--seconds`.
// Pass another build's dist/ to compare builds in alternating processes (load changes hit both alike):
//
//   npm run build && node bench/zoo-step-profile.mjs dist cnn [--seconds 4]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [distArg = 'dist', modelName = 'cnn'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const secondsAt = process.argv.indexOf('--seconds');
const seconds = secondsAt > 0 ? Number(process.argv[secondsAt + 1]) : 4;
const dist = pathToFileURL(resolve(distArg)).href;
const { useBackend, tf } = await import(`${dist}/backend/index.js`);
const { getZooModel } = await import(`${dist}/models/index.js`);
const { manualSeed } = await import(`${dist}/nn/generator.js`);
const { Adam } = await import(`${dist}/train/optim/adam.js`);
const { CrossEntropyLoss } = await import(`${dist}/train/loss/cross-entropy.js`);
const { backward } = await import(`${dist}/train/backward.js`);

await useBackend('wasm');
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
for (let i = 0; i < 3; i++) step();
const profile = await tf.profile(step);
const byName = new Map();
for (const k of profile.kernels) {
  const a = byName.get(k.name) ?? { count: 0, ms: 0 };
  a.count++;
  a.ms += k.kernelTimeMs;
  byName.set(k.name, a);
}
console.log(`${modelName}: ${profile.kernels.length} kernels per step`);
for (const [name, a] of [...byName].sort((p, q) => q[1].ms - p[1].ms)) console.log(`  ${name} x${a.count} ${a.ms.toFixed(2)} ms`);
const start = performance.now();
let steps = 0;
while (performance.now() - start < seconds * 1000) {
  step();
  steps++;
}
console.log(`ms/step ${((performance.now() - start) / steps).toFixed(2)}`);
