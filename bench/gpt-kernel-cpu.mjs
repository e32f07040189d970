// The gpt training step of `twinml bench gpt` (default 4x128 model, AdamW groups, clip_grad_norm_ 1.0, batch 32x64)
// on the `torch` backend: process CPU time per step, then CPU time per kernel (engine.runKernel wrapped, summed by
// name over the steps, nested kernels included in their caller's; "top-level kernels" counts each once), with the
// heaviest input shapes. CPU time is the steadier figure on a shared machine. Compare with PyTorch's own profile:
//   python -c "...torch.profiler..." on python/twinml_ref/models/gpt.py's step (see docs/performance-torch.md).
//
//   npm run build && node bench/gpt-kernel-cpu.mjs [threads=1] [steps=10]
import { useBackend, tf } from '../dist/backend/index.js';
import { GPT, resolveGPTConfig } from '../dist/models/gpt/index.js';
import { manualSeed } from '../dist/nn/generator.js';
import { languageModelAdamW, languageModelStep } from '../dist/train/lm/index.js';
const threads = Number(process.argv[2] ?? 1); const steps = Number(process.argv[3] ?? 10);
await useBackend('torch', { threads });
manualSeed(1);
const model = new GPT(resolveGPTConfig({ vocab_size: 65 }));
const opt = languageModelAdamW(model, { lr: 1e-3, weightDecay: 0.1 });
const x = tf.randomUniform([32, 64], 0, 65, 'int32', 1); const y = tf.randomUniform([32, 64], 0, 65, 'int32', 2);
const params = model.parameters(); model.train();
const step = () => languageModelStep(model, opt, x, y, { params });
for (let i = 0; i < 3; i++) step();
const cpuMs = (since) => { const c = process.cpuUsage(since); return (c.user + c.system) / 1000; };
let c0 = process.cpuUsage(); for (let i = 0; i < steps; i++) step(); const plainCpu = cpuMs(c0) / steps;
const engine = tf.engine(); const runKernel = engine.runKernel.bind(engine);
const byName = new Map(); let depth = 0; let top = 0;
engine.runKernel = (name, inputs, attrs) => {
  depth++; const t0 = process.cpuUsage();
  try { return runKernel(name, inputs, attrs); } finally {
    depth--; const ms = cpuMs(t0); if (depth === 0) top += ms;
    const shape = Object.values(inputs).map((t) => `[${t.shape}]`).join('');
    const key = name; const a = byName.get(key) ?? { count: 0, ms: 0, shapes: new Map() }; a.count++; a.ms += ms; a.shapes.set(shape, (a.shapes.get(shape) ?? 0) + ms); byName.set(key, a);
  }
};
c0 = process.cpuUsage(); for (let i = 0; i < steps; i++) step(); const profCpu = cpuMs(c0) / steps;
console.log(`gpt ${threads}T: ${plainCpu.toFixed(1)} ms CPU/step plain; profiled ${profCpu.toFixed(1)}, top-level kernels ${(top / steps).toFixed(1)} ms`);
for (const [name, a] of [...byName].sort((p, q) => q[1].ms - p[1].ms).slice(0, 30)) {
  const sh = [...a.shapes].sort((p, q) => q[1] - p[1]).slice(0, 2).map(([s, ms]) => `${s} ${(ms / steps).toFixed(2)}`).join('; ');
  console.log(`  ${name.padEnd(36)} x${(a.count / steps).toFixed(0).padStart(4)} ${(a.ms / steps).toFixed(2).padStart(7)} ms  ${sh}`);
}
