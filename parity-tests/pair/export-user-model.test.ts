/**
 * `twinml export --ts file#Export --weights … --input … --out …`: a user's model (examples/mnist-net, whose
 * F.max_pool2d exports through the MaxPool kernel mapping) exports to model.onnx + card,
 * passes onnx.checker (full check), matches the TS model in onnxruntime-node (<= 1e-5 relative; the command
 * checks at batches 1 and 7), and `startServer` (what `twinml serve` runs) answers a v2 infer request for it.
 * A model that samples in eval mode (a VAE's reparameterisation) is refused, naming the module and the draw.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findPython } from '../../src/bridge/find-python.js';
import { startServer } from '../../src/inference/index.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { manualSeed } from '../../src/nn/index.js';
import { loadTsModel } from '../../src/parity/pair/load-ts-model.js';
import type { Module } from '../../src/nn/module.js';
import { packageRoot } from '../../src/util/paths.js';
import { describeParity } from '../support/session.js';

const ROOT = packageRoot();
const BIN = join(ROOT, 'bin', 'twinml.js');
const NET = join(ROOT, 'examples', 'mnist-net', 'net.ts');
const VAE = join(ROOT, 'test', 'fixtures', 'user-models', 'vae.ts');
const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

describeParity('twinml export --ts (a user model)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinml-export-user-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports, passes onnx.checker (full), matches the TS model in onnxruntime-node, and is served over v2', async () => {
    manualSeed(11);
    const net = await loadTsModel<Module>({ file: NET, name: 'Net' });
    const weights = join(dir, 'net.safetensors');
    saveSafetensors(weights, net.stateDict());
    net.dispose();
    const out = join(dir, 'models', 'mnist-net', '1');
    const r = spawnSync(process.execPath, [BIN, 'export', '--ts', `${NET}#Net`, '--weights', weights, '--input', '1x1x28x28', '--out', out, '--labels', LABELS.join(',')], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const diffs = [...r.stdout.matchAll(/max \|TS - ORT\| ([\d.e+-]+)/g)].map((m) => Number(m[1]));
    expect(diffs).toHaveLength(2);
    for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-5);
    const card = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { name: string; labels: string[]; head: string };
    expect(card).toMatchObject({ name: 'mnist-net', labels: LABELS, head: 'softmax' });

    const d = findPython();
    const python = d.chosen?.executable ?? d.chosen?.candidate;
    const checked = execFileSync(python!, ['-c', `import onnx; m = onnx.load(${JSON.stringify(join(out, 'model.onnx'))}); onnx.checker.check_model(m, full_check=True); print("ok", m.opset_import[0].version)`], { encoding: 'utf8' });
    expect(checked.trim()).toBe('ok 17');

    const server = await startServer({ models: join(dir, 'models'), port: 0 });
    try {
      const data = Array.from({ length: 2 * 784 }, (_, i) => ((i * 37) % 101) / 101);
      const res = await fetch(`${server.url}/v2/models/mnist-net/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'input', shape: [2, 1, 28, 28], datatype: 'FP32', data }] }),
      });
      const body = (await res.json()) as { outputs: Array<{ name: string; shape: number[]; data: number[] }> };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.outputs[0]!.shape).toEqual([2, 10]);
    } finally {
      await server.close();
    }
  }, 600_000);

  it('refuses a model that samples in eval mode, naming the module and the draw', () => {
    const r = spawnSync(process.execPath, [BIN, 'export', '--ts', `${VAE}#VAE`, '--input', '1x1x28x28', '--out', join(dir, 'vae'), '--labels', 'a'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('cannot export: (model) (VAE) makes a normal draw (randn / randn_like / normal_) in eval mode');
  }, 600_000);
});
