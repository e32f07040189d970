/**
 * HTTP overhead over a direct `predict` (mnist-mlp, 1 client, batching off): p50 latency through `twinml serve`
 * minus p50 of `predict` on a worker-pool model in this process. The two are measured in alternating rounds
 * (direct, JSON, binary, direct, ...) and the overhead is the median of the per-round differences, so a burst of
 * load from other processes on a shared machine lands on both sides of a difference instead of on one.
 */
import { loadModel } from '../../dist/inference/index.js';
import { quantile, runLoad } from './http-load.js';
import { mlpBodies } from './load-test.js';
import { startServerProcess } from './server-process.js';
import { sampleRequest } from './throughput.js';
import { median } from '../section.js';

export interface HttpOverhead {
  /** Medians over rounds of each round's p50 (ms). */
  httpP50Ms: number;
  directP50Ms: number;
  binaryHttpP50Ms: number;
  /** Median over rounds of (HTTP p50 - direct p50), JSON and binary protocol. */
  overheadP50Ms: number;
  binaryOverheadP50Ms: number;
  /** Median over rounds of the JSON HTTP p99. */
  httpP99Ms: number;
  rounds: number;
}

/**
 * @param options - The model folder (for predict), a repository serving it as mnist-mlp, threads, rounds and
 *   requests per round.
 */
export async function measureHttpOverhead(options: { modelDir: string; repository: string; threads: number; rounds?: number; perRound?: number }): Promise<HttpOverhead> {
  const rounds = options.rounds ?? 5;
  const perRound = options.perRound ?? 500;
  const direct = await loadModel(options.modelDir, { workers: 1, intraOpThreads: options.threads });
  const server = await startServerProcess({ models: options.repository, maxBatchSize: 1, maxQueueDelayMs: 0, intraOpThreads: options.threads });
  try {
    const sample = new Float32Array(784).map((_, i) => (i % 97) / 97);
    const directP50 = async (calls: number) => {
      const times = new Float64Array(calls);
      for (let i = 0; i < calls; i++) {
        const start = performance.now();
        await direct.predict(sample);
        times[i] = performance.now() - start;
      }
      return quantile(times.sort(), 0.5);
    };
    const path = '/v2/models/mnist-mlp/infer';
    const binary = sampleRequest([784], 'binary');
    const json = (requests: number) => runLoad({ url: server.url, path, bodies: mlpBodies(), concurrency: 1, requests });
    const bin = (requests: number) => runLoad({ url: server.url, path, bodies: [binary.body], headers: binary.headers, concurrency: 1, requests });
    await directP50(500);
    await json(500);
    await bin(500);
    const d: number[] = [];
    const h: number[] = [];
    const h99: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      d.push(await directP50(perRound));
      const jr = await json(perRound);
      const br = await bin(perRound);
      if (jr.errors > 0 || br.errors > 0) throw new Error(`HTTP overhead: errors, e.g. ${jr.errorSamples[0] ?? br.errorSamples[0]}`);
      h.push(jr.p50Ms);
      h99.push(jr.p99Ms);
      b.push(br.p50Ms);
    }
    return {
      httpP50Ms: median(h),
      directP50Ms: median(d),
      binaryHttpP50Ms: median(b),
      overheadP50Ms: median(h.map((v, i) => v - d[i]!)),
      binaryOverheadP50Ms: median(b.map((v, i) => v - d[i]!)),
      httpP99Ms: median(h99),
      rounds,
    };
  } finally {
    await direct.close();
    await server.stop();
  }
}
