/**
 * `twinml serve` against KServe's Python ModelServer (kserve from PyPI, serving the same ONNX file with onnxruntime,
 * bench/kserve_server.py, in its own venv) at 64 concurrent clients, one sample per request: HTTP/JSON and
 * HTTP/binary with the same load generator (autocannon), gRPC with h2load (./h2load.ts; 64 calls in flight on one
 * connection, pre-encoded ModelInferRequest bytes) against both, or ghz / a Node gRPC loop where h2load is missing. The two servers are measured in alternating windows so load
 * from other processes falls on both; requests/s are medians over windows, the ratio is the median of per-round
 * ratios, p99 the median of the windows' p99.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { packageRoot } from '../../dist/util/paths.js';
import { median } from '../section.js';
import { grpcFrame, h2loadAvailable, h2loadWindow, probeResponseBytes } from './h2load.js';
import { quantile } from './http-load.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { sampleRequest } from './throughput.js';

export type ServerProtocol = 'json' | 'binary' | 'grpc';

export interface KserveRow {
  protocol: ServerProtocol;
  /** Median requests/s over the windows. */
  twinml: number;
  kserve: number;
  /** Median of per-round twinml/kserve ratios. */
  ratio: number;
  /** Median over windows of each window's p99 latency, ms. */
  twinmlP99Ms: number;
  kserveP99Ms: number;
  windowsTwinml: number[];
  windowsKserve: number[];
  /** Server process CPU (all threads) per request, ms, median over windows (Linux /proc; NaN elsewhere). */
  twinmlCpuMs: number;
  kserveCpuMs: number;
  /** kserveCpuMs / twinmlCpuMs: the throughput ratio when both are CPU-bound on cores of their own. */
  cpuRatio: number;
}

/** CPU seconds a process has used (user + system, all threads), from /proc/<pid>/stat; NaN when unavailable. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11..14] = utime, stime, cutime, cstime in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

export interface KserveComparison {
  kserveVersion: string;
  /** What drove the gRPC rows: h2load (C), ghz (Go) or the Node gRPC loop. */
  grpcLoadGenerator: 'h2load' | 'ghz' | 'node';
  model: string;
  rows: KserveRow[];
}

export interface KserveOptions {
  /** Model repository holding `name` (for twinml serve). */
  models: string;
  /** The version folder with model.onnx (for KServe). */
  modelDir: string;
  name: string;
  sampleShape: number[];
  threads: number;
  windowSeconds?: number;
  rounds?: number;
  concurrency?: number;
}

/** The venv scripts/install-test-tools.sh puts kserve in. */
export const KSERVE_PYTHON = join(homedir(), '.cache', 'twinml', 'kserve-venv', 'bin', 'python');

/** ghz, the gRPC load generator (Go) scripts/install-test-tools.sh builds; the Node loop is the fallback. */
export const GHZ = join(homedir(), '.cache', 'twinml', 'bin', 'ghz');

const PROTO_DIR = join(packageRoot(), 'dist', 'inference', 'server', 'grpc', 'proto');

/** kserve's version, or null when its venv is missing or broken. */
export function kserveVersion(): string | null {
  if (!existsSync(KSERVE_PYTHON)) return null;
  const r = spawnSync(KSERVE_PYTHON, ['-c', 'import kserve, onnxruntime; from importlib.metadata import version; print(version("kserve"))'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startKserve(options: KserveOptions): Promise<{ url: string; grpcTarget: string; child: ChildProcess; stop(): Promise<void> }> {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const script = join(packageRoot(), 'bench', 'kserve_server.py');
  const args = [script, '--model_dir', options.modelDir, '--model_name', options.name, '--http_port', String(httpPort), '--grpc_port', String(grpcPort), '--threads', String(options.threads)];
  const child = spawn(KSERVE_PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`KServe ModelServer exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/v2/models/${options.name}/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`KServe ModelServer not ready after 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    grpcTarget: `127.0.0.1:${grpcPort}`,
    child,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A ModelInferRequest for one sample, encoded once (raw_input_contents, as Triton's client sends it). */
function grpcRequestBytes(name: string, sampleShape: number[]): Buffer {
  const definition = protoLoader.loadSync(join(PROTO_DIR, 'grpc_service.proto'), { keepCase: true, longs: String, includeDirs: [PROTO_DIR] });
  const infer = (definition['inference.GRPCInferenceService'] as unknown as Record<string, { requestSerialize(v: unknown): Buffer }>).ModelInfer!;
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size).map((_, i) => Math.round(((((i + 1) * 3) % 97) / 97) * 1e4) / 1e4);
  return infer.requestSerialize({
    model_name: name,
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, ...sampleShape] }],
    raw_input_contents: [Buffer.from(values.buffer)],
  });
}

/**
 * Keeps `concurrency` ModelInfer calls in flight for `seconds`.
 * @returns Requests per second and the p99 latency in ms; throws on any failed call.
 */
async function grpcWindow(client: grpc.Client, bytes: Buffer, concurrency: number, seconds: number): Promise<{ rps: number; p99Ms: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let failure: Error | undefined;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      client.makeUnaryRequest(
        '/inference.GRPCInferenceService/ModelInfer',
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        new grpc.Metadata(),
        {},
        (error) => {
          if (error) failure ??= new Error(`gRPC ModelInfer failed: ${error.code} ${error.details}`);
          else latencies.push(performance.now() - start);
          resolve();
        },
      );
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end && !failure) await one();
    }),
  );
  if (failure) throw failure;
  const elapsed = (performance.now() - started) / 1000;
  return { rps: latencies.length / elapsed, p99Ms: quantile(latencies.sort((a, b) => a - b), 0.99) };
}

/**
 * One ghz run: `concurrency` calls in flight on one connection for `seconds`, the pre-encoded request from a file.
 * @returns Requests per second and the p99 latency in ms; throws when a call failed.
 */
function ghzWindow(target: string, requestFile: string, concurrency: number, seconds: number): Promise<{ rps: number; p99Ms: number }> {
  const args = ['--insecure', '--proto', join(PROTO_DIR, 'grpc_service.proto'), '--import-paths', PROTO_DIR, '--call', 'inference.GRPCInferenceService.ModelInfer'];
  args.push('--binary-file', requestFile, '-c', String(concurrency), '-z', `${seconds}s`, '--format', 'json', target);
  return new Promise((resolve, reject) => {
    execFile(GHZ, args, { maxBuffer: 64 * 1024 * 1024, timeout: (seconds + 60) * 1000 }, (error, stdout, stderr) => {
      if (error && !stdout) return reject(new Error(`ghz failed: ${error.message}\n${stderr}`));
      const report = JSON.parse(stdout) as { total: number; statusCodeDistribution?: Record<string, number>; latencyDistribution?: Array<{ percentage: number; latency: number }> };
      // When the duration ends ghz cancels the calls still in flight and reports them as Unavailable/Canceled; a
      // worker that starts its next call as the duration ends is counted too (seen: 63 Unavailable + 2 Canceled
      // at -c 64), so up to twice the concurrency is the cut-off. A server that fails calls fails thousands.
      const bad = Object.entries(report.statusCodeDistribution ?? {}).filter(([code]) => code !== 'OK');
      const cutOff = bad.every(([code]) => code === 'Unavailable' || code === 'Canceled') && bad.reduce((n, [, c]) => n + c, 0) <= 2 * concurrency;
      if (!cutOff) return reject(new Error(`ghz against ${target}: failed calls ${JSON.stringify(Object.fromEntries(bad))}`));
      const p99 = report.latencyDistribution?.find((d) => d.percentage === 99)?.latency ?? NaN;
      resolve({ rps: (report.statusCodeDistribution?.OK ?? 0) / (report.total / 1e9), p99Ms: p99 / 1e6 });
    });
  });
}

/**
 * Measures twinml serve against KServe's ModelServer over HTTP/JSON, HTTP/binary and gRPC.
 * @param options - Model, repository, threads and window settings.
 */
export async function measureAgainstKserve(options: KserveOptions): Promise<KserveComparison> {
  const version = kserveVersion();
  if (!version) throw new Error(`no kserve venv at ${KSERVE_PYTHON} (bash scripts/install-test-tools.sh)`);
  const autocannon = (await import('autocannon')).default;
  const windowSeconds = options.windowSeconds ?? 1;
  const rounds = options.rounds ?? 6;
  const connections = options.concurrency ?? 64;
  let twinml: ServerProcess | undefined;
  let kserve: Awaited<ReturnType<typeof startKserve>> | undefined;
  const clients: grpc.Client[] = [];
  try {
    twinml = await startServerProcess({ models: options.models, maxBatchSize: 64, maxQueueDelayMs: 2, intraOpThreads: options.threads, workers: 1, grpcPort: 0 });
    kserve = await startKserve(options);
    const targets = {
      twinml: { url: twinml.url, grpc: new grpc.Client(`127.0.0.1:${twinml.grpcPort}`, grpc.credentials.createInsecure()) },
      kserve: { url: kserve.url, grpc: new grpc.Client(kserve.grpcTarget, grpc.credentials.createInsecure()) },
    };
    clients.push(targets.twinml.grpc, targets.kserve.grpc);
    const bytes = grpcRequestBytes(options.name, options.sampleShape);
    const requestFile = join(mkdtempSync(join(tmpdir(), 'twinml-ghz-')), 'model-infer-request.bin');
    writeFileSync(requestFile, bytes);
    const grpcGenerator: KserveComparison['grpcLoadGenerator'] = h2loadAvailable() ? 'h2load' : existsSync(GHZ) ? 'ghz' : 'node';
    const grpcTargets = { twinml: `127.0.0.1:${twinml.grpcPort}`, kserve: kserve.grpcTarget };
    const framed = grpcFrame(bytes);
    const responseBytes = {
      twinml: await probeResponseBytes(targets.twinml.grpc, bytes),
      kserve: await probeResponseBytes(targets.kserve.grpc, bytes),
    };
    const pids = { twinml: twinml.child.pid, kserve: kserve.child.pid };
    const measured = async (who: keyof typeof targets, protocol: ServerProtocol, seconds: number) => {
      const before = processCpuSeconds(pids[who]);
      const r = await window(who, protocol, seconds);
      const cpuSeconds = processCpuSeconds(pids[who]) - before;
      return { ...r, cpuMs: (cpuSeconds * 1000) / (r.rps * seconds) };
    };
    const window = async (who: keyof typeof targets, protocol: ServerProtocol, seconds: number) => {
      if (protocol === 'grpc') {
        if (grpcGenerator === 'h2load') return h2loadWindow(grpcTargets[who], framed, responseBytes[who], connections, seconds);
        return grpcGenerator === 'ghz' ? ghzWindow(grpcTargets[who], requestFile, connections, seconds) : grpcWindow(targets[who].grpc, bytes, connections, seconds);
      }
      const { body, headers } = sampleRequest(options.sampleShape, protocol);
      const r = await autocannon({ url: `${targets[who].url}/v2/models/${options.name}/infer`, method: 'POST', headers, body, connections, duration: seconds });
      if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`${who} ${protocol}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts`);
      return { rps: r.requests.total / r.duration, p99Ms: r.latency.p99 };
    };
    const rows: KserveRow[] = [];
    for (const protocol of ['json', 'binary', 'grpc'] as const) {
      await window('twinml', protocol, 1);
      await window('kserve', protocol, 1);
      type Window = { rps: number; p99Ms: number; cpuMs: number };
      const w = { twinml: [] as Window[], kserve: [] as Window[] };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['twinml', 'kserve'] as const) : (['kserve', 'twinml'] as const);
        for (const who of order) w[who].push(await measured(who, protocol, windowSeconds));
      }
      const twinmlCpuMs = median(w.twinml.map((x) => x.cpuMs));
      const kserveCpuMs = median(w.kserve.map((x) => x.cpuMs));
      rows.push({
        protocol,
        twinml: median(w.twinml.map((x) => x.rps)),
        kserve: median(w.kserve.map((x) => x.rps)),
        ratio: median(w.twinml.map((x, i) => x.rps / w.kserve[i]!.rps)),
        twinmlP99Ms: median(w.twinml.map((x) => x.p99Ms)),
        kserveP99Ms: median(w.kserve.map((x) => x.p99Ms)),
        windowsTwinml: w.twinml.map((x) => x.rps),
        windowsKserve: w.kserve.map((x) => x.rps),
        twinmlCpuMs,
        kserveCpuMs,
        cpuRatio: kserveCpuMs / twinmlCpuMs,
      });
    }
    return { kserveVersion: version, model: options.name, grpcLoadGenerator: grpcGenerator, rows };
  } finally {
    for (const c of clients) c.close();
    await Promise.all([twinml?.stop(), kserve?.stop()]);
  }
}

/** The comparison as table lines. */
export function formatKserve(c: KserveComparison): string[] {
  return [
    `server throughput vs KServe ${c.kserveVersion} Python ModelServer (same ONNX in onnxruntime, 1 intra-op thread each), ${c.model}, 64 concurrent clients, 1 sample per request, alternating windows;`,
    `HTTP load from autocannon, gRPC load from ${c.grpcLoadGenerator === 'node' ? 'a Node gRPC loop (neither h2load nor ghz installed)' : `${c.grpcLoadGenerator} (64 calls in flight on one connection)`}`,
    'protocol   twinml req/s   kserve req/s   ratio   twinml p99 ms   kserve p99 ms   server CPU ms/req twinml / kserve   CPU ratio',
    ...c.rows.map(
      (r) =>
        `${r.protocol.padEnd(8)} ${r.twinml.toFixed(0).padStart(14)} ${r.kserve.toFixed(0).padStart(14)} ${r.ratio.toFixed(2).padStart(6)}x ${r.twinmlP99Ms.toFixed(1).padStart(15)} ${r.kserveP99Ms.toFixed(1).padStart(15)} ` +
        `${`${r.twinmlCpuMs.toFixed(3)} / ${r.kserveCpuMs.toFixed(3)}`.padStart(35)} ${r.cpuRatio.toFixed(2).padStart(10)}x`,
    ),
    'CPU ratio: KServe CPU per request / twinml CPU per request (process CPU, all threads): what the throughput ratio is when each server has its cores',
  ];
}
