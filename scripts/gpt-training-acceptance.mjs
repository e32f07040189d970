// Issue 16 training acceptance: `twinml train --model gpt` on the bundled corpus against the PyTorch original
// (python -m twinml_ref.lm_training) with the same settings and seed (same character vocabulary, split and batch
// offsets; each side initialises from its own generator). Both run at once (one core each); prints one JSON line
// with both final validation losses (every validation window) and the ratio. Needs `npm run build` and Python with
// torch. The settings are small so the pair takes about a minute:
//
//   node scripts/gpt-training-acceptance.mjs [--backend wasm] [--max-iters 200]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { findPython } = await import(join(root, 'dist', 'bridge', 'find-python.js'));

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : fallback);

/** The shared settings (camelCase for twinml's flags, the same values for the PyTorch twin). */
export const SETTINGS = { nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 32, batchSize: 16, maxIters: Number(flag('--max-iters', 200)), evalInterval: 100, lr: 3e-3, weightDecay: 0.1, clipGradNorm: 1.0, valFraction: 0.1, seed: 1 };

function run(command, argv, options) {
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`${command} ${argv.join(' ')} exited ${code}:\n${err}`))));
  });
}

const python = findPython();
if (!python.chosen?.executable) throw new Error(python.advice ?? 'no Python with torch found');
const s = SETTINGS;
const data = join(root, 'data', 'shakespeare', 'macbeth-hamlet.txt');
const out = mkdtempSync(join(tmpdir(), 'twinml-gpt-acceptance-'));
try {
  const started = performance.now();
  const [tsOut, torchOut] = await Promise.all([
    run(process.execPath, [
      join(root, 'bin', 'twinml.js'), 'train', '--model', 'gpt', '--data', data, '--backend', flag('--backend', 'wasm'), '--log-format', 'json', '--out', join(out, 'run'),
      '--n-layer', s.nLayer, '--n-head', s.nHead, '--n-embd', s.nEmbd, '--block-size', s.blockSize, '--batch-size', s.batchSize, '--max-iters', s.maxIters,
      '--eval-interval', s.evalInterval, '--lr', s.lr, '--weight-decay', s.weightDecay, '--clip-grad-norm', s.clipGradNorm, '--val-fraction', s.valFraction, '--seed', s.seed,
    ].map(String)),
    run(python.chosen.executable, [
      '-m', 'twinml_ref.lm_training', '--data', data, '--config', JSON.stringify({ n_layer: s.nLayer, n_head: s.nHead, n_embd: s.nEmbd, block_size: s.blockSize }),
      '--batch-size', s.batchSize, '--max-iters', s.maxIters, '--eval-interval', s.evalInterval, '--lr', s.lr, '--weight-decay', s.weightDecay,
      '--clip-grad-norm', s.clipGradNorm, '--val-fraction', s.valFraction, '--seed', s.seed, '--threads', 1,
    ].map(String), { cwd: join(root, 'python'), env: { ...process.env, PYTHONPATH: join(root, 'python') } }),
  ]);
  const done = tsOut.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'done');
  const torch = JSON.parse(torchOut);
  const result = {
    settings: s,
    twinml: { valLoss: done.val_loss, valPerplexity: done.val_perplexity, tokensPerSecond: done.tokens_per_second },
    pytorch: { valLoss: torch.final.val_loss, valPerplexity: torch.final.val_perplexity, tokensPerSecond: torch.final.tokens_per_second, torch: torch.torch },
    ratio: done.val_loss / torch.final.val_loss,
    required: 1.02,
    seconds: (performance.now() - started) / 1000,
  };
  result.pass = result.ratio <= result.required;
  console.log(JSON.stringify(result));
  if (!result.pass) process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
