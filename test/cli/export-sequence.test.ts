/**
 * `twinml export --ts ./lm.ts#TinyLM --input 1x6:int64 --example ids.json --dynamic-axes 1:sequence`: a user's
 * token-id model exports traced with the user's ids, int64 input, dynamic batch and sequence, checked against the TS
 * model at the example and shorter; the card states the dtype and axes; any length runs in onnxruntime.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { exportUserModel } from '../../src/cli/export/export-user-model.js';
import { loadModel } from '../../src/inference/index.js';
import { packageRoot } from '../../src/util/paths.js';
import { TinyLM } from '../fixtures/user-models/tiny-lm.js';

const FILE = join(packageRoot(), 'test', 'fixtures', 'user-models', 'tiny-lm.ts');
const dir = mkdtempSync(join(tmpdir(), 'twinml-export-sequence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('twinml export --ts with token ids and a dynamic sequence', () => {
  it('exports, checks and runs at any length', async () => {
    manualSeed(81);
    const model = new TinyLM();
    const weights = join(dir, 'lm.safetensors');
    saveSafetensors(weights, model.stateDict());
    const ids = join(dir, 'ids.json');
    writeFileSync(ids, JSON.stringify([[3, 1, 4, 1, 5, 9]]));
    const out = join(dir, 'lm');
    const r = await exportUserModel({ ts: `${FILE}#TinyLM`, weights, input: '1x6:int64', example: ids, dynamicAxes: '1:sequence', out, task: 'raw' });
    // Checked at the example and with the sequence one shorter.
    expect(r.checks.map((c) => c.maxAbsDiff <= 1e-5 * c.maxAbsOutput)).toEqual([true, true]);
    const card = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { input: unknown; output: unknown };
    expect(card.input).toEqual({ name: 'input', shape: ['batch', 'sequence'], dtype: 'int64' });
    expect(card.output).toEqual({ name: 'output', shape: ['batch', 'sequence', 11], dtype: 'float32' });
    const session = await loadModel(out, { workers: 0 });
    try {
      const seq = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4];
      const got = await session.predict({ data: BigInt64Array.from(seq, (v) => BigInt(v)), shape: [1, seq.length], dtype: 'int64' });
      const want = tf.tidy(() => model.call(tf.tensor2d(Int32Array.from(seq), [1, seq.length], 'int32')).dataSync());
      expect(got.output!.shape).toEqual([1, seq.length, 11]);
      const data = got.output!.data as Float32Array;
      expect(Math.max(...Array.from(want, (w, i) => Math.abs(w - data[i]!)))).toBeLessThanOrEqual(1e-5 * Math.max(...Array.from(want, Math.abs)));
    } finally {
      await session.close();
    }
  });

  it('refuses int64 ids without an example, and bad examples or axes', async () => {
    const base = { ts: `${FILE}#TinyLM`, out: join(dir, 'bad'), task: 'raw' as const };
    await expect(exportUserModel({ ...base, input: '1x6:int64' })).rejects.toThrow(/an int64 input \(token ids\) needs --example/);
    const ids = join(dir, 'short.json');
    writeFileSync(ids, JSON.stringify([[3, 1, 4]]));
    await expect(exportUserModel({ ...base, input: '1x6:int64', example: ids })).rejects.toThrow(/shape \[1, 3\] differs from --input \[1, 6\]/);
    await expect(exportUserModel({ ...base, input: '1x3:int64', example: ids, dynamicAxes: '2:sequence' })).rejects.toThrow(/--dynamic-axes "2:sequence": expected DIM:NAME/);
  });
});
