/**
 * Server throughput with dynamic batching on vs off, at 64 concurrent clients, 1 sample per request.
 *
 * Both servers (the same `twinml serve`, same workers and threads, only --max-batch-size differs) and the HTTP
 * floor (http-floor.ts) run at once and are measured in rotating windows, so load from other processes on a shared
 * machine hits all of them about equally; the ratio is the median of the per-round ratios. The load generator is autocannon
 * (pre-built requests on raw keep-alive sockets): it needs ~0.06 ms of CPU per request here against 0.13-0.25 ms
 * for a node:http client, and on a 2-core machine every client cycle is taken from the server. Each window also
 * reads the server's CPU time from its /metrics, so the table shows CPU per request, which contention does not
 * change much, next to requests/s, which it does.
 */
import { encodeBinaryInferRequest } from '../../dist/inference/index.js';
import { startHttpFloor, type HttpFloorServer } from './http-floor.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { median } from '../section.js';

export type Protocol = 'json' | 'binary';

export interface ThroughputOptions {
  /** Model repository holding `name`. */
  models: string;
  name: string;
  /** One sample's shape without the batch axis. */
  sampleShape: number[];
  protocol: Protocol;
  threads: number;
  /** Seconds per measuring window (default 1). */
  windowSeconds?: number;
  /** Rounds; each measures on, off and the floor once, in rotating order (default 9). */
  rounds?: number;
  concurrency?: number;
}

export interface ThroughputRow {
  model: string;
  protocol: Protocol;
  /** Median requests/s over the windows. */
  batchingOn: number;
  batchingOff: number;
  /** Median of the per-round on/off ratios. */
  ratio: number;
  /** Every window's requests/s, in measuring order. */
  windowsOn: number[];
  windowsOff: number[];
  /** Server process CPU (all threads) per request, ms, median over windows. */
  serverCpuMsOn: number;
  serverCpuMsOff: number;
  /** Load generator CPU per request, ms. */
  clientCpuMs: number;
  /** Mean rows per session run with batching on (from the server's batch-size histogram). */
  meanBatchRows: number;
  /** (client + server CPU off) / (client + server CPU on): the ratio when throughput is CPU-bound on shared cores. */
  cpuBoundRatio: number;
  /** Server CPU per request of a do-nothing fastify route with the same body and client (http-floor.ts), ms. */
  httpFloorCpuMs: number;
  /**
   * The best CPU-bound ratio this HTTP stack allows here: batching at best removes the per-call cost
   * (server CPU off - on) and cannot go below the HTTP floor, so (client + floor + per-call) / (client + floor).
   */
  ceilingRatio: number;
}

/** The request (body and headers) for one sample in the given protocol. */
export function sampleRequest(sampleShape: number[], protocol: Protocol): { body: string | Buffer; headers: Record<string, string> } {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  // Pixel-like values with 4 decimals, as a client would send them (the JSON text is what it costs to parse).
  const values = Array.from({ length: size }, (_, i) => Math.round(((((i + 1) * 3) % 97) / 97) * 1e4) / 1e4);
  const shape = [1, ...sampleShape];
  if (protocol === 'json') {
    return { body: JSON.stringify({ inputs: [{ name: 'input', shape, datatype: 'FP32', data: values }] }), headers: { 'content-type': 'application/json' } };
  }
  return encodeBinaryInferRequest({ inputs: [{ name: 'input', shape, datatype: 'FP32', data: new Float32Array(values) }], binaryOutputs: true });
}

async function scrape(server: ServerProcess): Promise<{ cpuSeconds: number; batchRows: number; batches: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const read = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return {
    cpuSeconds: read(/^twinml_process_cpu_seconds_total (\S+)/m),
    batchRows: read(/^twinml_batch_size_sum\{[^}]*\} (\S+)/m),
    batches: read(/^twinml_batch_size_count\{[^}]*\} (\S+)/m),
  };
}

/**
 * Measures one model in one protocol.
 * @param options - Repository, model, protocol, threads and window settings.
 */
export async function measureBatchingThroughput(options: ThroughputOptions): Promise<ThroughputRow> {
  let autocannon: typeof import('autocannon');
  try {
    autocannon = (await import('autocannon')).default;
  } catch {
    throw new Error('the server throughput benchmark needs the dev dependency autocannon: run `npm ci` in the twinml checkout');
  }
  const windowSeconds = options.windowSeconds ?? 1;
  const rounds = options.rounds ?? 9;
  const connections = options.concurrency ?? 64;
  const { body, headers } = sampleRequest(options.sampleShape, options.protocol);
  const servers: Record<'on' | 'off', ServerProcess | undefined> = { on: undefined, off: undefined };
  let floor: HttpFloorServer | undefined;
  try {
    servers.on = await startServerProcess({ models: options.models, maxBatchSize: 64, maxQueueDelayMs: 2, intraOpThreads: options.threads, workers: 1 });
    servers.off = await startServerProcess({ models: options.models, maxBatchSize: 1, maxQueueDelayMs: 2, intraOpThreads: options.threads, workers: 1 });
    floor = await startHttpFloor();
    const path = `/v2/models/${options.name}/infer`;
    type Target = { url: string; cpuMs(): Promise<number> };
    const targets: Record<'on' | 'off' | 'floor', Target> = {
      on: { url: servers.on.url + path, cpuMs: async () => (await scrape(servers.on!)).cpuSeconds * 1000 },
      off: { url: servers.off.url + path, cpuMs: async () => (await scrape(servers.off!)).cpuSeconds * 1000 },
      floor: { url: floor.inferUrl, cpuMs: floor.cpuMs },
    };
    const load = async (mode: keyof typeof targets, duration: number) => {
      const result = await autocannon({ url: targets[mode].url, method: 'POST', headers, body, connections, duration });
      if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
        throw new Error(`${options.name} ${options.protocol} ${mode}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
      }
      return result;
    };
    for (const mode of ['on', 'off', 'floor'] as const) await load(mode, 1);
    const windows = { on: [] as number[], off: [] as number[], floor: [] as number[] };
    const cpu = { on: [] as number[], off: [] as number[], floor: [] as number[] };
    const client: number[] = [];
    const batchesBefore = await scrape(servers.on);
    const orders = [['on', 'off', 'floor'], ['off', 'floor', 'on'], ['floor', 'on', 'off']] as const;
    for (let round = 0; round < rounds; round++) {
      for (const mode of orders[round % orders.length]!) {
        const before = await targets[mode].cpuMs();
        const clientBefore = process.cpuUsage();
        const result = await load(mode, windowSeconds);
        const clientUsed = process.cpuUsage(clientBefore);
        const after = await targets[mode].cpuMs();
        const requests = result.requests.total;
        windows[mode].push(requests / result.duration);
        cpu[mode].push((after - before) / requests);
        if (mode !== 'floor') client.push((clientUsed.user + clientUsed.system) / 1000 / requests);
      }
    }
    const batchesAfter = await scrape(servers.on);
    const ratios = windows.on.map((v, i) => v / windows.off[i]!);
    const clientCpuMs = median(client);
    const serverCpuMsOn = median(cpu.on);
    const serverCpuMsOff = median(cpu.off);
    const httpFloorCpuMs = median(cpu.floor);
    return {
      model: options.name,
      protocol: options.protocol,
      batchingOn: median(windows.on),
      batchingOff: median(windows.off),
      ratio: median(ratios),
      windowsOn: windows.on,
      windowsOff: windows.off,
      serverCpuMsOn,
      serverCpuMsOff,
      clientCpuMs,
      meanBatchRows: (batchesAfter.batchRows - batchesBefore.batchRows) / (batchesAfter.batches - batchesBefore.batches),
      cpuBoundRatio: (clientCpuMs + serverCpuMsOff) / (clientCpuMs + serverCpuMsOn),
      httpFloorCpuMs,
      ceilingRatio: (clientCpuMs + httpFloorCpuMs + Math.max(0, serverCpuMsOff - serverCpuMsOn)) / (clientCpuMs + httpFloorCpuMs),
    };
  } finally {
    floor?.stop();
    await Promise.all([servers.on?.stop(), servers.off?.stop()]);
  }
}
