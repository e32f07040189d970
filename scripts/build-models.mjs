// Rebuilds the shipped models in models/<name>/1/ (model.onnx + model.json) from scratch, deterministically:
// for each entry, `twinml train` with a fixed seed, split seed and backend into runs/release/<name>, then
// `twinml export` of that run (validated in onnxruntime-node against the TS model) into models/<name>/1.
// Usage: npm run models [-- [--root <dir>] <name> ...]   (default: every model below, into this checkout)
//   --root <dir>  write runs/release/<name> and models/<name>/1 under <dir> instead (test/models/shipped-models
//                 rebuilds mnist-mlp this way and compares the bytes with the shipped files)
//
// What is reproducible (models/README.md): the same twinml commit and Node version give the same bytes on any CPU,
// apart from the card's createdAt. The backend is wasm with relaxed SIMD off: plain SIMD128 float32 arithmetic is
// exact IEEE on every CPU, whereas relaxed SIMD's f32x4.relaxed_madd is a fused multiply-add only where the CPU has
// FMA, so it would make the bytes depend on the machine.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The shipped models: zoo model, dataset, training flags and backend. Seeded: the same seed on the same backend
 * gives bit-identical weights (docs/architecture.md decision 5); the backend is fixed per model and recorded in the run config.
 */
export const RELEASE_MODELS = [
  { name: 'mnist-mlp', backend: 'wasm', train: ['--model', 'mlp', '--dataset', 'mnist', '--epochs', '8', '--seed', '1', '--split-seed', '0'] },
  { name: 'mnist-cnn', backend: 'wasm', train: ['--model', 'cnn', '--dataset', 'mnist', '--epochs', '3', '--seed', '1', '--split-seed', '0'] },
];

/** The settings every build uses (the documented environment defaults of src/util/settings.ts). */
export const BUILD_ENVIRONMENT = { TWINML_WASM_RELAXED_SIMD: '0' };

const args = process.argv.slice(2);
let outRoot = root;
const rootAt = args.indexOf('--root');
if (rootAt >= 0) {
  if (!args[rootAt + 1]) {
    console.error('build-models: --root needs a directory');
    process.exit(2);
  }
  outRoot = resolve(args[rootAt + 1]);
  args.splice(rootAt, 2);
}
const wanted = args;
const unknown = wanted.filter((n) => !RELEASE_MODELS.some((m) => m.name === n));
if (unknown.length) {
  console.error(`build-models: unknown model ${unknown.join(', ')}; choose from ${RELEASE_MODELS.map((m) => m.name).join(', ')}`);
  process.exit(2);
}
mkdirSync(outRoot, { recursive: true });
const twinml = (argv) =>
  execFileSync(process.execPath, [join(root, 'bin', 'twinml.js'), ...argv], { cwd: outRoot, stdio: 'inherit', env: { ...process.env, ...BUILD_ENVIRONMENT } });
for (const model of RELEASE_MODELS.filter((m) => wanted.length === 0 || wanted.includes(m.name))) {
  const run = join('runs', 'release', model.name);
  console.log(`build-models: ${model.name}: twinml train ${model.train.join(' ')} --backend ${model.backend} --out ${run} (relaxed SIMD off)`);
  twinml(['train', ...model.train, '--backend', model.backend, '--out', run, '--no-export', '--no-report', '--log-format', 'plain']);
  twinml(['export', '--run', run, '--out', join('models', model.name, '1')]);
}
