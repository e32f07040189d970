/**
 * Pooled batch buffers: the pool hands out views of max-batch buffers and takes them back; the batcher gets its
 * buffers back from the worker thread (or the in-thread runner) and reuses them, and batched answers stay exact.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnnxModel } from '../../src/inference/model.js';
import { BatchBufferPool } from '../../src/inference/server/batch-buffers.js';
import { DynamicBatcher } from '../../src/inference/server/batcher.js';
import type { FeedTensor } from '../../src/inference/tensor-input.js';
import { fixtureModels } from './fixtures/models.js';

const fixtures = fixtureModels('batch buffer tests');

describe('BatchBufferPool', () => {
  it('hands out views of max-batch buffers and reuses released ones', () => {
    const pool = new BatchBufferPool(8, 2);
    const a = pool.acquire('input', 'float32', 3, 5);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(15);
    expect(a.buffer.byteLength).toBe(8 * 3 * 4);
    (a as Float32Array).fill(7);
    pool.release({ input: { dtype: 'float32', shape: [5, 3], data: a } });
    expect(pool.size).toBe(1);
    const b = pool.acquire('input', 'float32', 3, 2);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(6);
    expect(pool.size).toBe(0);
    // Another input name or row size does not share buffers.
    expect(pool.acquire('other', 'float32', 3, 2).buffer).not.toBe(a.buffer);
  });

  it('ignores buffers it did not make, keeps at most keepPerShape, and refuses oversize batches', () => {
    const pool = new BatchBufferPool(4, 1);
    pool.release({ input: { dtype: 'float32', shape: [2, 3], data: new Float32Array(6) } });
    expect(pool.size).toBe(0);
    const feeds = (data: Float32Array): Record<string, FeedTensor> => ({ input: { dtype: 'float32', shape: [1, 3], data: data.subarray(0, 3) } });
    pool.release(feeds(pool.acquire('input', 'float32', 3, 1) as Float32Array));
    pool.release(feeds(pool.acquire('input', 'float32', 3, 1) as Float32Array));
    pool.release(feeds(new Float32Array(12)));
    expect(pool.size).toBe(1);
    expect(() => pool.acquire('input', 'float32', 3, 5)).toThrow(/5 rows is larger than the pool's 4/);
  });
});

describe.skipIf(!fixtures)('DynamicBatcher buffer reuse', () => {
  for (const workers of [1, 0]) {
    it(`${workers === 0 ? 'in-thread runner' : 'worker pool'}: batches reuse pooled buffers and answer exactly`, { timeout: 60_000 }, async () => {
      const model = await loadOnnxModel(join(fixtures!, 'mnist-mlp', '1'), { workers, intraOpThreads: 1 });
      try {
        const batcher = new DynamicBatcher(model, { maxBatchSize: 8, maxQueueDelayMs: 50 });
        const row = (k: number) => Float32Array.from({ length: 784 }, (_, i) => (((i + 1) * (k + 3)) % 97) / 97);
        const expected = await Promise.all(Array.from({ length: 12 }, (_, k) => model.predict({ input: { data: row(k), shape: [1, 784] } })));
        for (let wave = 0; wave < 4; wave++) {
          const answers = await Promise.all(
            Array.from({ length: 12 }, (_, k) => batcher.submit({ input: { dtype: 'float32', shape: [1, 784], data: row(k) } })),
          );
          answers.forEach((a, k) => {
            const name = Object.keys(expected[k]!)[0]!;
            expect(Array.from(a[name]!.data as Float32Array)).toEqual(Array.from(expected[k]![name]!.data as Float32Array));
          });
          // 12 requests make batches of 8 and 4 rows; both buffers are back in the pool after the wave.
          expect(batcher.pooledBuffers).toBeGreaterThanOrEqual(1);
          expect(batcher.pooledBuffers).toBeLessThanOrEqual(2);
        }
      } finally {
        await model.close();
      }
    });
  }
});
