/**
 * The server load test: 64 concurrent clients send `requests` single-sample requests to mnist-mlp; reports
 * latency percentiles, errors, and the server's resident memory after `checkpoint` requests and at the end.
 *
 * Start the server with LOAD_TEST_NODE_FLAGS: V8 otherwise grows its young generation from 1 to 16 MiB per
 * semi-space during the first few thousand requests, which adds ~20 MiB of RSS that is sizing, not retention
 * (heap used stays flat; measured 181 -> 200 -> 198 -> 191 -> 191 MiB at 2k/10k/20k/30k/40k requests without it).
 * The same flag is a sensible production setting for `twinml serve` (fewer scavenges under load). With it, V8
 * takes its permanent pretenuring decisions during the first burst of requests; `twinml serve` therefore turns
 * allocation-site pretenuring off (src/inference/server/v8-heap.ts), without which ~40% of runs grew by 10-19%.
 */
export const LOAD_TEST_NODE_FLAGS = ['--min-semi-space-size=16'];

import { runLoad, type LoadResult } from './http-load.js';
import type { ServerProcess } from './server-process.js';

export interface LoadTestResult extends LoadResult {
  /** Server RSS (bytes) after the checkpoint request count and after all requests. */
  rssAtCheckpoint: number;
  rssAtEnd: number;
  /** rssAtEnd / rssAtCheckpoint - 1. */
  rssGrowth: number;
  checkpoint: number;
}

/** Deterministic MLP request bodies (values rounded to 4 decimals, as a client would send pixels). */
export function mlpBodies(count = 8, rows = 1): string[] {
  return Array.from({ length: count }, (_, k) =>
    JSON.stringify({
      inputs: [{ name: 'input', shape: [rows, 784], datatype: 'FP32', data: Array.from({ length: rows * 784 }, (_, i) => Math.round((((i + 1) * (k + 3)) % 97) / 97 * 1e4) / 1e4) }],
    }),
  );
}

/**
 * Runs the load test against a server process. Resident memory stays flat because batches are built in pooled
 * buffers (src/inference/server/batch-buffers.ts); before that, per-batch allocations of varying size fragmented
 * glibc's main heap ([heap] 12 -> 24 MiB from 2,000 to 20,000 requests, growth 6-12% under CI load).
 * @param server - A running server process (mnist-mlp must be in its repository).
 * @param options - Concurrency, request count, checkpoint for the first RSS reading, model path.
 */
export async function runLoadTest(
  server: ServerProcess,
  options: { concurrency?: number; requests?: number; checkpoint?: number; model?: string } = {},
): Promise<LoadTestResult> {
  const checkpoint = options.checkpoint ?? 2000;
  let rssAtCheckpoint = 0;
  let reading: Promise<void> | undefined;
  const result = await runLoad({
    url: server.url,
    path: `/v2/models/${options.model ?? 'mnist-mlp'}/infer`,
    bodies: mlpBodies(),
    concurrency: options.concurrency ?? 64,
    requests: options.requests ?? 20_000,
    onProgress: (done) => {
      if (done === checkpoint) reading = server.rss().then((v) => void (rssAtCheckpoint = v));
    },
  });
  await reading;
  const rssAtEnd = await server.rss();
  return { ...result, rssAtCheckpoint, rssAtEnd, rssGrowth: rssAtEnd / rssAtCheckpoint - 1, checkpoint };
}
