/**
 * A sampling model through the pair check: pytorch/examples' VAE (three outputs, randn_like in the forward)
 * against its TS mirror, with the TS side's normal draws fed to PyTorch's randn_like in the same order.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkParity } from '../../src/parity/index.js';
import { packageRoot } from '../../src/util/paths.js';
import { describeParity } from '../support/session.js';

const DIR = join(packageRoot(), 'test', 'fixtures', 'user-models');

describeParity('pair check: a VAE with its sampling noise fed from the same values', (session) => {
  it('compares every module, the three outputs, the gradients and a 2-step trajectory', async () => {
    const result = await checkParity({ ts: join(DIR, 'vae.ts#VAE'), torch: join(DIR, 'vae.py:VAE'), input: '3x1x28x28', steps: 2, optimizer: 'adam', lr: 1e-3, bridge: session.py });
    const failed = result.report.rows.filter((r) => !r.pass).map((r) => `${r.name}: ${r.failure}`);
    expect(failed).toEqual([]);
    const names = result.report.rows.map((r) => r.name);
    for (const n of ['output.0', 'output.1', 'output.2', 'module/fc21', 'grad/fc4.weight', 'step 2/fc1.weight']) expect(names).toContain(n);
  }, 600_000);
});
