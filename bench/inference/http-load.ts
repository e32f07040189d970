/**
 * A closed-loop HTTP load generator: `concurrency` clients on keep-alive connections, each sending its next
 * request as soon as the previous answer arrives, until `requests` have been sent. Records every latency.
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  path: string;
  /** Request bodies, used round-robin. */
  bodies: Array<string | Buffer>;
  /** Request headers (default: content-type application/json). */
  headers?: Record<string, string>;
  concurrency: number;
  requests: number;
  /** Called after each completed request with the running count (for checkpoints such as RSS). */
  onProgress?: (done: number) => void | Promise<void>;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** First few error descriptions. */
  errorSamples: string[];
  seconds: number;
  requestsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The q-quantile (0..1) of sorted values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Runs the load.
 * @param options - Target, bodies, concurrency, number of requests and an optional progress hook.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { hostname, port } = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies = new Float64Array(options.requests);
  const errorSamples: string[] = [];
  let errors = 0;
  let sent = 0;
  let done = 0;
  const headers = options.headers ?? { 'content-type': 'application/json' };
  const one = (body: string | Buffer) =>
    new Promise<number>((resolve) => {
      const start = performance.now();
      const req = request(
        { host: hostname, port, method: 'POST', path: options.path, agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) {
              errors++;
              if (errorSamples.length < 5) errorSamples.push(`${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 200)}`);
            }
            resolve(performance.now() - start);
          });
        },
      );
      req.on('error', (e) => {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(e.message);
        resolve(performance.now() - start);
      });
      req.end(body);
    });
  const client = async () => {
    while (sent < options.requests) {
      const index = sent++;
      latencies[index] = await one(options.bodies[index % options.bodies.length]!);
      done++;
      await options.onProgress?.(done);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = latencies.slice().sort();
  return {
    requests: options.requests,
    errors,
    errorSamples,
    seconds,
    requestsPerSec: options.requests / seconds,
    p50Ms: quantile(sorted, 0.5),
    p90Ms: quantile(sorted, 0.9),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
  };
}
