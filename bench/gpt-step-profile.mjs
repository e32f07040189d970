// The gpt training step on a backend (AdamW with nanoGPT's groups, clip_grad_norm_ 1.0, batch 32 x 64 tokens, the
// zoo's default 4x128 model, like `twinml bench gpt`): the kernels of one step (tf.profile, summed by name, with the
// shapes of the heaviest) and the mean wall time per step over `--seconds`.
//
//   npm run build && node bench/gpt-step-profile.mjs [dist] [--backend wasm] [--threads N] [--seconds 4]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : fallback);
const distArg = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--'))) ?? 'dist';
const seconds = Number(flag('--seconds', 4));
const backend = flag('--backend', 'wasm');
const threads = flag('--threads', undefined);
const dist = pathToFileURL(resolve(distArg)).href;
const { useBackend, tf } = await import(`${dist}/backend/index.js`);
const { GPT, resolveGPTConfig } = await import(`${dist}/models/gpt/index.js`);
const { manualSeed } = await import(`${dist}/nn/generator.js`);
const { languageModelAdamW, languageModelStep } = await import(`${dist}/train/lm/index.js`);

await useBackend(backend, threads === undefined ? {} : { threads: Number(threads) });
manualSeed(1);
const config = resolveGPTConfig({ vocab_size: 65 });
const [B, T] = [32, config.block_size];
const model = new GPT(config);
const optimizer = languageModelAdamW(model, { lr: 1e-3, weightDecay: 0.1 });
const x = tf.randomUniform([B, T], 0, 65, 'int32', 1);
const y = tf.randomUniform([B, T], 0, 65, 'int32', 2);
const params = model.parameters();
model.train();
const step = () => languageModelStep(model, optimizer, x, y, { params });
for (let i = 0; i < 3; i++) step();
const profile = await tf.profile(step);
const byName = new Map();
let total = 0;
for (const k of profile.kernels) {
  const key = k.name;
  const a = byName.get(key) ?? { count: 0, ms: 0, shapes: new Map() };
  a.count++;
  a.ms += k.kernelTimeMs;
  const shape = k.inputShapes.map((s) => `[${s}]`).join(' ');
  a.shapes.set(shape, (a.shapes.get(shape) ?? 0) + k.kernelTimeMs);
  byName.set(key, a);
  total += k.kernelTimeMs;
}
console.log(`gpt ${JSON.stringify(config)} batch ${B}x${T} on ${backend}: ${profile.kernels.length} kernels per step, ${total.toFixed(1)} ms kernel time`);
for (const [name, a] of [...byName].sort((p, q) => q[1].ms - p[1].ms).slice(0, 25)) {
  const top = [...a.shapes].sort((p, q) => q[1] - p[1]).slice(0, 2).map(([s, ms]) => `${s} ${ms.toFixed(1)}ms`).join('; ');
  console.log(`  ${name.padEnd(28)} x${String(a.count).padStart(4)} ${a.ms.toFixed(2).padStart(8)} ms  ${(100 * a.ms / total).toFixed(1).padStart(5)}%  ${top}`);
}
// Where the time goes by kind of work (the kernels' first input shapes tell them apart).
const category = (k) => {
  const shapes = k.inputShapes;
  if (k.name === 'BatchMatMul' || k.name === '_FusedMatMul') return shapes[0]?.length === 4 ? 'attention matmuls (q.kT, att.v and their grads)' : 'Linear matmuls (forward, dX, dW)';
  if (k.name === 'Tile' || k.name === 'Select') return 'causal mask (Tile of the bool mask, Select)';
  if (k.name === 'Softmax' || (shapes[0]?.length === 4 && k.name !== 'Transpose' && k.name !== 'Reshape')) return 'attention softmax and its grad';
  if (k.name === 'Erf' || k.name === 'Exp' || (k.name === 'Multiply' && shapes[0]?.at(-1) === 4 * config.n_embd)) return 'GELU (erf) and its grad';
  if (k.name.startsWith('TwinmlAdam') || shapes[0]?.length === 1 && shapes[0][0] > 4 * config.n_embd) return 'AdamW and clip_grad_norm_';
  if (['SplitV', 'Concat', 'Transpose', 'Reshape'].includes(k.name)) return 'q/k/v split, head transposes, reshapes';
  if (['GatherV2', 'UnsortedSegmentSum', 'unnamed scope', 'TwinmlSoftmaxCrossEntropy'].includes(k.name)) return 'embeddings and cross entropy';
  return 'LayerNorm, residual adds, other elementwise';
};
const byCategory = new Map();
for (const k of profile.kernels) byCategory.set(category(k), (byCategory.get(category(k)) ?? 0) + k.kernelTimeMs);
console.log('by kind of work:');
for (const [name, ms] of [...byCategory].sort((p, q) => q[1] - p[1])) console.log(`  ${(100 * ms / total).toFixed(1).padStart(5)}%  ${name}`);
const start = performance.now();
let steps = 0;
while (performance.now() - start < seconds * 1000) {
  step();
  steps++;
}
const ms = (performance.now() - start) / steps;
console.log(`ms/step ${ms.toFixed(1)}, ${Math.round((B * T * 1000) / ms)} tokens/s`);
