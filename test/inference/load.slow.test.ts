/**
 * Load test (bounded: 20,000 small requests): 64 concurrent clients against `twinml serve` in a child process
 * serving the torch.onnx.export MLP as mnist-mlp. Zero errors; p50/p99 printed; the server's RSS after 20,000
 * requests within 10% of its RSS after 2,000. Throughput targets live in the benchmark (bench/inference.mjs).
 */
import { describe, expect, it } from 'vitest';
import { LOAD_TEST_NODE_FLAGS, runLoadTest, startServerProcess } from '../../bench/inference/index.js';
import { fixtureModels } from './fixtures/models.js';
import { makeRepository } from './http-helpers.js';

const fixtures = fixtureModels('inference load test');

describe.skipIf(!fixtures)('load test', () => {
  it('64 clients x 20,000 requests to mnist-mlp: no errors, flat memory', { timeout: 300_000 }, async () => {
    const repo = makeRepository(fixtures!, [['mnist-mlp', '1', 'mnist-mlp']]);
    const server = await startServerProcess({ models: repo, maxBatchSize: 64, maxQueueDelayMs: 2, intraOpThreads: 1, nodeFlags: LOAD_TEST_NODE_FLAGS });
    try {
      const r = await runLoadTest(server, { concurrency: 64, requests: 20_000, checkpoint: 2000 });
      console.log(
        `load: ${r.requests} requests in ${r.seconds.toFixed(1)} s (${r.requestsPerSec.toFixed(0)} req/s), p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
          `errors ${r.errors}; RSS ${(r.rssAtCheckpoint / 2 ** 20).toFixed(1)} MiB after ${r.checkpoint} -> ${(r.rssAtEnd / 2 ** 20).toFixed(1)} MiB (${(r.rssGrowth * 100).toFixed(1)}%)`,
      );
      expect(r.errorSamples).toEqual([]);
      expect(r.errors).toBe(0);
      expect(Math.abs(r.rssGrowth)).toBeLessThanOrEqual(0.1);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
