// Rebuilds the shipped models in models/<name>/1/ (model.onnx + model.json) from scratch, deterministically:
// for each entry, `twinml train` with a fixed seed, split seed and backend into runs/release/<name>, then
// `twinml export` of that run (validated in onnxruntime-node against the TS model) into models/<name>/1.
// Usage: npm run models [-- <name> ...]   (default: every model below)
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
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

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !RELEASE_MODELS.some((m) => m.name === n));
if (unknown.length) {
  console.error(`build-models: unknown model ${unknown.join(', ')}; choose from ${RELEASE_MODELS.map((m) => m.name).join(', ')}`);
  process.exit(2);
}
const twinml = (args) => execFileSync(process.execPath, [join(root, 'bin', 'twinml.js'), ...args], { cwd: root, stdio: 'inherit' });
for (const model of RELEASE_MODELS.filter((m) => wanted.length === 0 || wanted.includes(m.name))) {
  const run = join('runs', 'release', model.name);
  console.log(`build-models: ${model.name}: twinml train ${model.train.join(' ')} --backend ${model.backend} --out ${run}`);
  twinml(['train', ...model.train, '--backend', model.backend, '--out', run, '--no-export']);
  twinml(['export', '--run', run, '--out', join('models', model.name, '1')]);
}
