/**
 * The bench's thread pinning of the `tensorflow` backend (bench/tensorflow-pinned.ts): TF_NUM_INTRAOP_THREADS /
 * TF_NUM_INTEROP_THREADS set before tfjs-node loads reach TensorFlow's thread pool (oneDNN, which runs on that pool,
 * reports its thread count as `nthr:N`), and a pinned child process measures a zoo section and says which thread
 * variables it saw. Needs `npm run build` and `npm run build:bench` (the children run dist/ and bench/; `npm test` builds
 * both). Skipped when the addon is not built.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeBackends } from '../../src/backend/index.js';
import { measureTensorflowPinned, tensorflowThreadEnv } from '../../bench/tensorflow-pinned.js';
import { packageRoot } from '../../src/util/paths.js';

const tensorflow = (await probeBackends()).find((s) => s.name === 'tensorflow');
const built = existsSync(join(packageRoot(), 'bench', 'tensorflow-pinned.js'));
const runnable = tensorflow?.available === true && built;
const title = runnable
  ? 'tensorflow thread pinning'
  : `tensorflow thread pinning SKIPPED: ${tensorflow?.available ? 'bench/ not built (npm run build:bench)' : `backend not built (${tensorflow?.reason})`}`;

/** oneDNN's reported thread count for one matmul in a fresh process with TensorFlow pinned to `threads`. */
function oneDnnThreads(threads: number): number {
  const backend = join(packageRoot(), 'dist', 'backend', 'index.js');
  const script = `const tf = await import('@tensorflow/tfjs-core'); const { useBackend } = await import(${JSON.stringify(backend)});
await useBackend('tensorflow'); tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: packageRoot(),
    encoding: 'utf8',
    env: { ...process.env, ...tensorflowThreadEnv(threads), TF_ENABLE_ONEDNN_OPTS: '1', ONEDNN_VERBOSE: '1' },
  });
  expect(r.status, r.stderr).toBe(0);
  const m = /onednn_verbose,.*,nthr:(\d+)/.exec(r.stdout);
  if (!m) throw new Error(`no oneDNN thread count in the child's output:\n${r.stdout.slice(0, 2000)}`);
  return Number(m[1]);
}

describe.skipIf(!runnable)(title, () => {
  it('TensorFlow uses the thread count set before tfjs-node loads (1 and 2 threads)', () => {
    expect(oneDnnThreads(1)).toBe(1);
    expect(oneDnnThreads(2)).toBe(2);
  });

  it('a pinned child measures the mlp section and reports the variables it saw', async () => {
    const result = await measureTensorflowPinned({ threads: 1, sections: ['mlp', 'no-such-section'], measure: { batchSize: 8, warmup: 1, repeats: 1, minSeconds: 0 } });
    expect(result.env).toEqual({ intraOp: '1', interOp: '1' });
    expect(result.results.mlp!.train).toBeGreaterThan(0);
    expect(result.results.mlp!.infer).toBeGreaterThan(0);
    expect(result.failed['no-such-section']).toMatch(/not registered.*mlp/);
  });

  it('rejects a thread count that is not a positive integer, naming it', () => {
    expect(() => tensorflowThreadEnv(0)).toThrow(/positive integer, got 0/);
    expect(() => tensorflowThreadEnv(1.5)).toThrow(/got 1.5/);
  });
});
