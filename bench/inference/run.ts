/**
 * The inference benchmark, in one run: onnxruntime-node `predict` latency vs PyTorch eager (mlp, cnn; batch 1 and
 * 64; same thread count), server throughput with dynamic batching vs without at 64 concurrent clients, the HTTP
 * overhead over a direct `predict` for mnist-mlp, and the 20,000-request load test with its memory check.
 * PyTorch runs in bench/torch_infer.py, which also exports the two models with torch.onnx.export.
 * Writes bench/inference-results.json and prints a table.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findPython } from '../../dist/bridge/find-python.js';
import { packageRoot } from '../../dist/util/paths.js';
import { LOAD_TEST_NODE_FLAGS, runLoadTest, type LoadTestResult } from './load-test.js';
import { measureHttpOverhead, type HttpOverhead } from './http-overhead.js';
import { startServerProcess } from './server-process.js';
import { measureEventLoopLag, measurePredictLatency, type EventLoopLag, type PredictLatencyRow } from './predict-latency.js';
import { measureBatchingThroughput, type Protocol, type ThroughputRow } from './throughput.js';
import { formatKserve, kserveVersion, KSERVE_PYTHON, measureAgainstKserve, type KserveComparison } from './kserve.js';

export interface InferenceBenchOptions {
  /** Threads for PyTorch and for each onnxruntime session (default 1). */
  threads?: number;
  /** Seconds per throughput window (default 1; 9 rounds of on, off and the HTTP floor per model and protocol). */
  windowSeconds?: number;
  /** Requests in the load test (default 20,000). */
  loadRequests?: number;
  /** Where the JSON goes (default <package>/bench/inference-results.json). */
  out?: string;
  /** Only the library predict rows and the event-loop lag (no server throughput, HTTP overhead or load test). */
  predictOnly?: boolean;
  log?: (line: string) => void;
}

export type LatencyRow = PredictLatencyRow;

export type { ThroughputRow } from './throughput.js';

export interface InferenceBenchResults {
  createdAt: string;
  machine: { cpus: number; model: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  threads: number;
  torchVersion: string;
  latency: LatencyRow[];
  eventLoopLag: EventLoopLag;
  throughput: ThroughputRow[];
  httpOverhead?: HttpOverhead;
  /** twinml serve vs KServe's Python ModelServer, or why it was skipped. */
  kserve?: KserveComparison | { skipped: string };
  loadTest?: LoadTestResult;
  targets: Array<{ description: string; value: number; target: string; met: boolean }>;
}

const MODELS: Record<string, number[]> = { 'mnist-mlp': [784], 'mnist-cnn': [1, 28, 28] };
const TIMING = { warmup: 20, repeats: 3, minSeconds: 0.3 };

function runTorch(outDir: string, threads: number): { torch_version: string; latency_ms: Record<string, Record<string, number>> } {
  const python = findPython();
  if (!python.chosen?.executable) throw new Error(python.advice ?? 'no Python with torch found');
  const job = { out_dir: outDir, threads, batches: [1, 64], warmup: TIMING.warmup, repeats: TIMING.repeats, min_seconds: TIMING.minSeconds };
  const r = spawnSync(python.chosen.executable, [join(packageRoot(), 'bench', 'torch_infer.py')], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/torch_infer.py failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function repositoryWith(exported: string, name: string): string {
  const repo = mkdtempSync(join(tmpdir(), 'twinml-bench-repo-'));
  cpSync(join(exported, name, '1'), join(repo, name, '1'), { recursive: true });
  return repo;
}

/** The results as a readable table. */
export function formatInferenceBench(r: InferenceBenchResults): string {
  const lag = r.eventLoopLag;
  const lines = [
    `library predict latency (ms per call, ${r.threads} thread(s); torch ${r.torchVersion} eager vs onnxruntime-node; alternating blocks of calls, per-call medians)`,
    'model       batch   torch   ort session.run   predict   predict-ort (us)  predict/ort  torch/predict   pool-only  paths (in-thread/worker)',
    ...r.latency.map(
      (l) =>
        `${l.model.padEnd(10)} ${String(l.batch).padStart(6)} ${l.torchMs.toFixed(3).padStart(7)} ${l.ortSessionRunMs.toFixed(3).padStart(17)} ${l.predictMs.toFixed(3).padStart(9)} ` +
        `${l.predictOverheadUs.toFixed(1).padStart(17)} ${l.predictOverOrt.toFixed(3).padStart(11)}x ${l.speedupVsTorch.toFixed(2).padStart(13)}x ${l.poolOnlyMs.toFixed(3).padStart(11)}  ${l.paths.inThread}/${l.paths.worker}`,
    ),
    `event-loop lag during batch-2048 mnist-cnn predict (${lag.perCallMs.toFixed(0)} ms per call): p99 ${lag.duringPredictP99Ms.toFixed(2)} ms, max ${lag.duringPredictMaxMs.toFixed(1)} ms, ` +
      `loop utilization ${(lag.loopUtilization * 100).toFixed(2)}%; ` +
      `references on this machine: idle p99 ${lag.idleP99Ms.toFixed(2)} ms, one CPU-spinning thread p99 ${lag.busyThreadP99Ms.toFixed(2)} ms`,
    '',
    'server throughput, 64 concurrent clients (autocannon), 1 sample per request, 1 worker, batching on (max 64 rows, 2 ms) vs off;',
    'both servers measured in alternating windows; requests/s medians; CPU per request: server process (all threads) and load generator',
    'model      protocol  batching on  batching off   ratio   server CPU ms on/off  HTTP floor ms  client CPU ms  rows/run  CPU-bound ratio  ceiling',
    ...r.throughput.map(
      (t) =>
        `${t.model.padEnd(10)} ${t.protocol.padEnd(8)} ${t.batchingOn.toFixed(0).padStart(12)} ${t.batchingOff.toFixed(0).padStart(13)} ${t.ratio.toFixed(2).padStart(6)}x ` +
        `${`${t.serverCpuMsOn.toFixed(3)} / ${t.serverCpuMsOff.toFixed(3)}`.padStart(21)} ${t.httpFloorCpuMs.toFixed(3).padStart(14)} ${t.clientCpuMs.toFixed(3).padStart(14)} ` +
        `${t.meanBatchRows.toFixed(1).padStart(9)} ${t.cpuBoundRatio.toFixed(2).padStart(15)}x ${t.ceilingRatio.toFixed(2).padStart(7)}x`,
    ),
    'HTTP floor: server CPU per request of a fastify route doing nothing with the same body and client; ceiling: (client + floor + (CPU off - on)) / (client + floor),',
    'the best ratio batching can give on these cores with this HTTP stack (it removes only the per-call cost of a session run)',
    '',
    ...(r.httpOverhead && r.loadTest ? serverLines(r.httpOverhead, r.loadTest) : []),
    ...(r.kserve ? ('rows' in r.kserve ? formatKserve(r.kserve) : [`KServe comparison skipped: ${r.kserve.skipped}`]) : []),
    '',
    ...r.targets.map((t) => `${t.met ? 'MET ' : 'MISS'} ${t.description}: ${t.value.toFixed(3)} (target ${t.target})`),
    `machine: ${r.machine.cpus} cpus, load average ${r.machine.loadAverageAtStart.map((v) => v.toFixed(1)).join(' ')} at start, ${r.machine.loadAverageAtEnd.map((v) => v.toFixed(1)).join(' ')} at end`,
  ];
  return lines.join('\n');
}

function serverLines(httpOverhead: HttpOverhead, loadTest: LoadTestResult): string[] {
  const r = { httpOverhead, loadTest };
  return [
    `HTTP overhead (mnist-mlp, 1 client, median of ${r.httpOverhead.rounds} alternating rounds): HTTP p50 ${r.httpOverhead.httpP50Ms.toFixed(3)} ms (JSON), ${r.httpOverhead.binaryHttpP50Ms.toFixed(3)} ms (binary), direct predict p50 ${r.httpOverhead.directP50Ms.toFixed(3)} ms, ` +
      `overhead p50 ${r.httpOverhead.overheadP50Ms.toFixed(3)} ms (JSON), ${r.httpOverhead.binaryOverheadP50Ms.toFixed(3)} ms (binary)`,
    `load test: ${r.loadTest.requests} requests, 64 clients: ${r.loadTest.errors} errors, ${r.loadTest.requestsPerSec.toFixed(0)} req/s, p50 ${r.loadTest.p50Ms.toFixed(2)} ms, p99 ${r.loadTest.p99Ms.toFixed(2)} ms, ` +
      `RSS ${(r.loadTest.rssAtCheckpoint / 2 ** 20).toFixed(1)} MiB after ${r.loadTest.checkpoint} -> ${(r.loadTest.rssAtEnd / 2 ** 20).toFixed(1)} MiB after ${r.loadTest.requests} (${(r.loadTest.rssGrowth * 100).toFixed(1)}%)`,
  ];
}

/**
 * Runs the whole inference benchmark.
 * @param options - Threads, request counts, output path, log.
 */
export async function runInferenceBench(options: InferenceBenchOptions = {}): Promise<InferenceBenchResults> {
  const log = options.log ?? ((line: string) => console.log(line));
  const threads = options.threads ?? 1;
  const loadAverageAtStart = loadavg();
  const exported = mkdtempSync(join(tmpdir(), 'twinml-bench-models-'));
  const cleanup: string[] = [exported];
  try {
    log('bench inference: PyTorch eager latency + torch.onnx.export (bench/torch_infer.py) ...');
    const torch = runTorch(exported, threads);

    log('bench inference: library predict vs onnxruntime session.run vs PyTorch eager (alternating blocks of calls) ...');
    const latency = await measurePredictLatency(exported, torch.latency_ms, threads, MODELS);
    log('bench inference: event-loop lag during batch-2048 mnist-cnn predict ...');
    const eventLoopLag = await measureEventLoopLag(exported, threads);
    const predictTargets = [
      ...latency.filter((l) => l.batch === 1).flatMap((l) => [
        { description: `predict overhead over session.run, ${l.model}, batch 1 (us)`, value: l.predictOverheadUs, target: '<= 10 us', met: l.predictOverheadUs <= 10 },
        { description: `predict speed-up over PyTorch eager, ${l.model}, batch 1`, value: l.speedupVsTorch, target: '>= 1.5', met: l.speedupVsTorch >= 1.5 },
      ]),
      ...latency
        .filter((l) => l.batch === 64)
        .map((l) => ({ description: `predict / session.run, ${l.model}, batch 64`, value: l.predictOverOrt, target: '<= 1.10', met: l.predictOverOrt <= 1.1 })),
      { description: 'event-loop lag p99 during batch-2048 mnist-cnn predict (ms)', value: eventLoopLag.duringPredictP99Ms, target: '<= 2 ms', met: eventLoopLag.duringPredictP99Ms <= 2 },
    ];
    /** The fields every result has, taken when the run ends (the load average at the end). */
    const finished = () => ({
      createdAt: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAverageAtStart, loadAverageAtEnd: loadavg() },
      threads,
      torchVersion: torch.torch_version,
      latency,
      eventLoopLag,
    });
    if (options.predictOnly) {
      const results: InferenceBenchResults = {
        ...finished(),
        throughput: [],
        targets: predictTargets,
      };
      return writeResults(results, options, log);
    }

    const throughput: ThroughputRow[] = [];
    for (const [name, sampleShape] of Object.entries(MODELS)) {
      const repo = repositoryWith(exported, name);
      cleanup.push(repo);
      for (const protocol of ['json', 'binary'] as Protocol[]) {
        log(`bench inference: server throughput ${name}, ${protocol} protocol, batching on vs off ...`);
        throughput.push(await measureBatchingThroughput({ models: repo, name, sampleShape, protocol, threads, windowSeconds: options.windowSeconds }));
      }
    }

    let kserve: KserveComparison | { skipped: string };
    if (kserveVersion()) {
      log('bench inference: twinml serve vs KServe ModelServer (mnist-mlp; HTTP/JSON, HTTP/binary, gRPC; alternating windows) ...');
      const repo = repositoryWith(exported, 'mnist-mlp');
      cleanup.push(repo);
      kserve = await measureAgainstKserve({ models: repo, modelDir: join(exported, 'mnist-mlp', '1'), name: 'mnist-mlp', sampleShape: MODELS['mnist-mlp']!, threads, windowSeconds: options.windowSeconds });
    } else {
      kserve = { skipped: `no kserve venv at ${KSERVE_PYTHON} (bash scripts/install-test-tools.sh)` };
      log(`bench inference: KServe comparison skipped: ${kserve.skipped}`);
    }

    log('bench inference: HTTP overhead over a direct predict (mnist-mlp, 1 client, alternating rounds) ...');
    const mlpRepo = repositoryWith(exported, 'mnist-mlp');
    cleanup.push(mlpRepo);
    const httpOverhead = await measureHttpOverhead({ modelDir: join(exported, 'mnist-mlp', '1'), repository: mlpRepo, threads });

    log(`bench inference: load test (64 clients, ${options.loadRequests ?? 20_000} requests, mnist-mlp, batching on) ...`);
    const loadServer = await startServerProcess({ models: mlpRepo, maxBatchSize: 64, maxQueueDelayMs: 2, intraOpThreads: threads, nodeFlags: LOAD_TEST_NODE_FLAGS });
    let loadTest: LoadTestResult;
    try {
      loadTest = await runLoadTest(loadServer, { requests: options.loadRequests ?? 20_000 });
    } finally {
      await loadServer.stop();
    }

    const ratioTargets = throughput
      .filter((t) => t.protocol === 'binary')
      .map((t) => ({
        description: `server throughput, batching on / off, ${t.model}, binary tensor protocol, 64 clients, 1 worker`,
        value: t.ratio,
        target: '>= 3',
        met: t.ratio >= 3,
      }));
    const results: InferenceBenchResults = {
      ...finished(),
      throughput,
      httpOverhead,
      kserve,
      loadTest,
      targets: [
        ...predictTargets,
        ...ratioTargets,
        ...('rows' in kserve
          ? kserve.rows.flatMap((row) => [
              { description: `server throughput vs KServe ModelServer, mnist-mlp, ${row.protocol}, 64 clients`, value: row.ratio, target: '>= 8', met: row.ratio >= 8 },
              { description: `p99 latency twinml / KServe, mnist-mlp, ${row.protocol}`, value: row.twinmlP99Ms / row.kserveP99Ms, target: '< 1', met: row.twinmlP99Ms < row.kserveP99Ms },
            ])
          : []),
        { description: 'HTTP overhead p50 over direct predict, mnist-mlp (ms)', value: httpOverhead.overheadP50Ms, target: '<= 1 ms', met: httpOverhead.overheadP50Ms <= 1 },
        { description: 'load test errors', value: loadTest.errors, target: '= 0', met: loadTest.errors === 0 },
        { description: 'load test RSS growth 2,000 -> 20,000 requests', value: loadTest.rssGrowth, target: '<= 0.10', met: loadTest.rssGrowth <= 0.1 },
      ],
    };
    return writeResults(results, options, log);
  } finally {
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  }
}

function writeResults(results: InferenceBenchResults, options: InferenceBenchOptions, log: (line: string) => void): InferenceBenchResults {
  const out = options.out ?? join(packageRoot(), 'bench', 'inference-results.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  log(formatInferenceBench(results));
  log(`bench inference: wrote ${out}`);
  return results;
}
