/**
 * `checkParity` / `twinml parity --ts --torch` must fail on a one-line change of a TS mirror and name the
 * module (dropout p, a kernel size, the flatten order of examples/mnist-net/net.ts); PyTorch checkpoints
 * (.pt with weights_only, .safetensors) load into the mirror, and a mismatched one is one error listing keys.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { checkParity } from '../../src/parity/index.js';
import { loadTorchWeights } from '../../src/bridge/torch-weights.js';
import { loadTsModel } from '../../src/parity/pair/load-ts-model.js';
import type { Module } from '../../src/nn/module.js';
import { findPython } from '../../src/bridge/find-python.js';
import { describeParity } from '../support/session.js';
import { EXAMPLE_DIR, MUTATIONS, writeMutant } from './mutants.js';

describeParity('pair check: mutations of the mnist-net mirror are caught and localised', (session) => {
  for (const mutation of MUTATIONS) {
    it(`${mutation.label}: fails and names ${mutation.expectModule}`, async () => {
      const mutant = writeMutant(mutation);
      try {
        const result = await checkParity({ ts: `${mutant.file}#Net`, torch: join(EXAMPLE_DIR, 'net.py:Net'), input: '2x1x28x28', bridge: session.py });
        expect(result.pass).toBe(false);
        expect(result.firstDivergingModule).toBe(mutation.expectModule);
      } finally {
        mutant.remove();
      }
    }, 600_000);
  }
});

describeParity('PyTorch checkpoints load into the TS mirror', (session) => {
  const dir = mkdtempSync(join(tmpdir(), 'twinml-torch-weights-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const writeCheckpoints = (): void => {
    const d = findPython();
    const python = d.chosen?.executable ?? d.chosen?.candidate;
    if (!python) throw new Error(d.advice);
    const script = [
      'import sys, torch',
      `sys.path.insert(0, ${JSON.stringify(EXAMPLE_DIR)})`,
      'from net import Net',
      'from safetensors.torch import save_file',
      'torch.manual_seed(3)',
      'net = Net()',
      `torch.save(net.state_dict(), ${JSON.stringify(join(dir, 'net.pt'))})`,
      `torch.save({"epoch": 3, "model_state_dict": net.state_dict()}, ${JSON.stringify(join(dir, 'checkpoint.pth'))})`,
      `save_file({k: v.contiguous() for k, v in net.state_dict().items()}, ${JSON.stringify(join(dir, 'net.safetensors'))})`,
      'bad = dict(net.state_dict()); bad.pop("fc2.bias"); bad["fc3.weight"] = torch.zeros(2); bad["fc1.weight"] = torch.zeros(128, 100)',
      `torch.save(bad, ${JSON.stringify(join(dir, 'bad.pt'))})`,
      `torch.save({"w": torch.zeros(1), "fn": print}, ${JSON.stringify(join(dir, 'evil.pt'))})`,
    ].join('\n');
    execFileSync(python, ['-c', script], { stdio: 'pipe' });
  };

  it('.pt (weights_only), a checkpoint dict and .safetensors written by PyTorch give identical weights; mismatches are one error', async () => {
    writeCheckpoints();
    const load = async (file: string): Promise<Map<string, Float32Array>> => {
      const net = await loadTsModel<Module>({ file: join(EXAMPLE_DIR, 'net.ts'), name: 'Net' });
      try {
        // One bridge for every file (starting a second Python after closing one in the same process is not reliable yet).
        await loadTorchWeights(net, join(dir, file), { bridge: session.py });
        return new Map([...net.stateDict()].map(([k, v]) => [k, v.data as Float32Array]));
      } finally {
        net.dispose();
      }
    };
    const fromPt = await load('net.pt');
    const fromPth = await load('checkpoint.pth');
    const fromSafetensors = await load('net.safetensors');
    expect([...fromPt.keys()]).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    for (const [k, v] of fromPt) {
      expect(Buffer.from(fromSafetensors.get(k)!.buffer).equals(Buffer.from(v.buffer)), k).toBe(true);
      expect(Buffer.from(fromPth.get(k)!.buffer).equals(Buffer.from(v.buffer)), k).toBe(true);
    }
    const error = await load('bad.pt').then(
      () => null,
      (e: Error) => e.message,
    );
    expect(error).toContain('bad.pt');
    expect(error).toContain('missing keys: fc2.bias');
    expect(error).toContain('unexpected keys: fc3.weight');
    expect(error).toContain('fc1.weight (checkpoint [128, 100], model [128, 9216])');
    await expect(load('evil.pt')).rejects.toThrow(/evil\.pt: torch\.load\(weights_only=True\) failed/);
  }, 600_000);
});
