/**
 * models/ holds what `npm run models` builds: mnist-mlp is rebuilt from scratch (scripts/build-models.mjs: seeded
 * training on wasm with relaxed SIMD off, then export) into a temporary root and compared byte for byte with the
 * shipped model.onnx and model.json. Only the card's createdAt may differ (same length, so it is swapped for the
 * shipped value before comparing). The claim this checks (models/README.md): same twinml commit and Node version,
 * same bytes, on any CPU. After a change to kernels, layouts or training, `npm run models` refreshes models/.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/util/paths.js';

const root = packageRoot();

interface Card { source: { createdAt: string } }

/** `rebuilt` with every occurrence of `from` replaced by `to` (equal byte lengths). */
function swapBytes(rebuilt: Buffer, from: string, to: string): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  expect(a.length).toBe(b.length);
  const out = Buffer.from(rebuilt);
  for (let at = out.indexOf(a); at >= 0; at = out.indexOf(a, at + a.length)) b.copy(out, at);
  return out;
}

/** How many bytes differ (and the first offset), for a readable failure. */
function byteDiff(a: Buffer, b: Buffer): string {
  if (a.length !== b.length) return `sizes differ: ${a.length} vs ${b.length} bytes`;
  let count = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) (count++, first < 0 && (first = i));
  return count === 0 ? 'identical' : `${count} of ${a.length} bytes differ, first at offset ${first}`;
}

describe('shipped models match a rebuild', () => {
  it('npm run models rebuilds models/mnist-mlp/1 bit-identically (apart from createdAt)', { timeout: 600_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'twinml-models-'));
    try {
      execFileSync(process.execPath, [join(root, 'scripts', 'build-models.mjs'), '--root', out, 'mnist-mlp'], { stdio: 'pipe', timeout: 540_000 });
      const shippedDir = join(root, 'models', 'mnist-mlp', '1');
      const rebuiltDir = join(out, 'models', 'mnist-mlp', '1');
      const shippedCard = readFileSync(join(shippedDir, 'model.json'), 'utf8');
      const rebuiltCard = readFileSync(join(rebuiltDir, 'model.json'), 'utf8');
      const shippedAt = (JSON.parse(shippedCard) as Card).source.createdAt;
      const rebuiltAt = (JSON.parse(rebuiltCard) as Card).source.createdAt;
      const fix = 'models/ is stale: run `npm run models` and commit models/';
      expect(rebuiltCard.replace(rebuiltAt, shippedAt), fix).toBe(shippedCard);
      const onnx = swapBytes(readFileSync(join(rebuiltDir, 'model.onnx')), rebuiltAt, shippedAt);
      expect(byteDiff(onnx, readFileSync(join(shippedDir, 'model.onnx'))), fix).toBe('identical');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
