/**
 * Issue 16 training acceptance: `twinml train --model gpt` on the bundled corpus reaches a validation loss no more
 * than 2% above the PyTorch original's with the same settings and seed (scripts/gpt-training-acceptance.mjs runs
 * both; small config, 200 steps, about a minute). Needs `npm run build` and Python with torch.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/paths.js';
import { findPython } from '../../src/bridge/find-python.js';

const hasPython = findPython().chosen?.executable !== undefined;

describe.skipIf(!hasPython)('gpt training vs the PyTorch original', () => {
  it('the final validation loss is at most 2% above PyTorch (same settings, seed, batches)', { timeout: 600_000 }, () => {
    let stdout: string;
    try {
      stdout = execFileSync(process.execPath, [join(packageRoot(), 'scripts', 'gpt-training-acceptance.mjs')], { encoding: 'utf8' });
    } catch (e) {
      stdout = (e as { stdout?: string }).stdout ?? '';
    }
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { twinml: { valLoss: number }; pytorch: { valLoss: number }; ratio: number };
    console.log(`gpt validation loss: twinml ${result.twinml.valLoss.toFixed(4)}, PyTorch ${result.pytorch.valLoss.toFixed(4)} (ratio ${result.ratio.toFixed(4)})`);
    expect(result.twinml.valLoss).toBeLessThan(3); // it learned (a uniform guess over 69 characters is 4.23)
    expect(result.ratio).toBeLessThanOrEqual(1.02);
  });
});
