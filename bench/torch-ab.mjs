// Usage: npm run build && node bench/torch-ab.mjs [threads=1] [rounds=6] [models=mlp,cnn]   (needs npm run setup:torch)
// Interleaved A/B: TS torch backend vs PyTorch, same thread count, alternating short blocks (machine load hits both).
// Prints the ratio PyTorch time / TS time per round (median and rounds) in wall time and in CPU time (process CPU
// time, all threads: on a shared, overloaded machine the steadier figure at 1 thread). Models: mlp, cnn (zoo, Adam,
// batch 64) and gpt (the zoo's default 4x128 gpt, AdamW groups, clip_grad_norm_ 1.0, batch 32x64, as `bench gpt`).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { useBackend, tf } from '../dist/backend/index.js';
import { getZooModel } from '../dist/models/index.js';
import { GPT, resolveGPTConfig } from '../dist/models/gpt/index.js';
import { manualSeed } from '../dist/nn/generator.js';
import { Adam } from '../dist/train/optim/adam.js';
import { CrossEntropyLoss } from '../dist/nn/loss/index.js';
import { backward } from '../dist/train/backward.js';
import { languageModelAdamW, languageModelStep } from '../dist/train/lm/index.js';
const threads = Number(process.argv[2] ?? 1); const rounds = Number(process.argv[3] ?? 6);
const models = (process.argv[4] ?? 'mlp,cnn').split(',');
await useBackend('torch', { threads });
const py = spawn(new URL('../.venv/bin/python', import.meta.url).pathname, [new URL('./torch_ab.py', import.meta.url).pathname, String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
await lines.next();
const ask = async (name, n) => { py.stdin.write(`${name} ${n}\n`); return (await lines.next()).value.split(' ').map(Number); };

/** A zoo classifier's Adam step on a fixed MNIST-shaped batch of 64. */
function zooStep(name) {
  const zoo = getZooModel(name); manualSeed(1);
  const model = zoo.create(zoo.resolveConfig({}, { sampleShape: [1, 28, 28], numClasses: 10 }));
  const opt = new Adam(model.parameters(), { lr: 1e-3 }); const loss = new CrossEntropyLoss();
  const x = tf.randomNormal([64, 1, 28, 28]); const y = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => i % 10), 'int32');
  model.train();
  const step = () => { model.zeroGrad(); const v = backward(() => loss.call(model.call(x), y), model.parameters()); opt.step(); v.dataSync(); v.dispose(); };
  return { step, dispose: () => { model.dispose(); opt.disposeState(); x.dispose(); y.dispose(); } };
}

/** The gpt section's step: AdamW (nanoGPT's groups), cross entropy over every position, clip_grad_norm_ 1.0. */
function gptStep() {
  manualSeed(1);
  const model = new GPT(resolveGPTConfig({ vocab_size: 65 }));
  const opt = languageModelAdamW(model, { lr: 1e-3, weightDecay: 0.1 });
  const x = tf.randomUniform([32, 64], 0, 65, 'int32', 1); const y = tf.randomUniform([32, 64], 0, 65, 'int32', 2);
  const params = model.parameters();
  model.train();
  const step = () => languageModelStep(model, opt, x, y, { params });
  return { step, dispose: () => { model.dispose(); opt.disposeState(); x.dispose(); y.dispose(); } };
}

const stepsPerBlock = { mlp: 30, cnn: 4, gpt: 3 };
for (const name of models) {
  const { step, dispose } = name === 'gpt' ? gptStep() : zooStep(name);
  const n = stepsPerBlock[name] ?? 4;
  for (let i = 0; i < 3; i++) step();
  const ts = [], pt = [], tsCpu = [], ptCpu = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now(); const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) step();
    const c = process.cpuUsage(c0);
    ts.push((performance.now() - t0) / n); tsCpu.push((c.user + c.system) / 1000 / n);
    const [wall, cpu] = await ask(name, n); pt.push(wall); ptCpu.push(cpu);
  }
  const med = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
  for (const [what, t, p] of [['wall', ts, pt], ['CPU', tsCpu, ptCpu]]) {
    const ratios = t.map((v, i) => p[i] / v);
    console.log(`${name} train, ${threads} thread(s), ${what}: TS torch ${med(t).toFixed(2)} ms/step, PyTorch ${med(p).toFixed(2)} ms/step, ratio (PyTorch time / TS time) median ${med(ratios).toFixed(2)}x (range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}), per round ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
  }
  dispose();
}
py.stdin.end();
