/**
 * `twinml bench`: throughput (samples/s) of every registered section on each available TypeScript backend, next
 * to the PyTorch original on CPU measured in the same run by bench/torch_bench.py (1 thread and all threads).
 * Prints a table and writes bench/results.json with the TS/PyTorch ratios.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { probeBackends, useBackend, type BackendName } from '../backend/index.js';
import { findPython } from '../bridge/find-python.js';
import { packageRoot } from '../util/paths.js';
import { benchSections, type MeasureOptions, type Throughput } from './section.js';
import { registerZooSections } from './zoo-sections.js';

export interface BenchOptions {
  /** Backends to measure (default: every available one). */
  backends?: BackendName[];
  /** Section names (default: all registered). */
  sections?: string[];
  /** Where results.json goes (default <package>/bench/results.json). */
  out?: string;
  /** Skip PyTorch (ratios are then absent). */
  skipTorch?: boolean;
  measure?: Partial<MeasureOptions>;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

export interface BenchRow {
  section: string;
  mode: string;
  backend: BackendName;
  samplesPerSec: number;
  torch1?: number;
  torchAll?: number;
  /** TS / PyTorch with 1 thread. */
  ratio1?: number;
  /** TS / PyTorch with all threads. */
  ratioAll?: number;
}

export interface BenchTarget {
  description: string;
  ratio: number | null;
  required: number;
  met: boolean;
}

export interface BenchResults {
  createdAt: string;
  batchSize: number;
  measure: MeasureOptions;
  machine: { cpus: number; model: string; loadAverageAtStart: number[] };
  torch: { version: string; threads: { one: number; all: number } } | { skipped: string };
  rows: BenchRow[];
  skipped: Array<{ section: string; backend: BackendName; reason: string }>;
  targets: BenchTarget[];
}

const DEFAULT_MEASURE: MeasureOptions = { batchSize: 64, warmup: 2, repeats: 5, minSeconds: 0.4 };

interface TorchOutput {
  torch_version: string;
  results: Record<'1' | 'all', { threads: number; models: Record<string, Throughput> }>;
}

function runTorch(measure: MeasureOptions, sections: ReturnType<typeof benchSections>): TorchOutput {
  const python = findPython();
  if (!python.chosen?.executable) throw new Error(python.advice ?? 'no Python with torch found');
  const root = packageRoot();
  const job = {
    batch_size: measure.batchSize,
    warmup: measure.warmup,
    repeats: measure.repeats,
    min_seconds: measure.minSeconds,
    threads: [1, 0],
    models: sections
      .filter((s) => s.torch)
      .map((s) => ({ name: s.name, module: s.torch!.module, cls: s.torch!.cls, kwargs: s.torch!.kwargs, sample_shape: s.torch!.sampleShape, num_classes: s.torch!.numClasses })),
  };
  const r = spawnSync(python.chosen.executable, [join(root, 'bench', 'torch_bench.py')], {
    input: JSON.stringify(job),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(root, 'python') },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench/torch_bench.py failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as TorchOutput;
}

function fmt(v: number | undefined, digits = 0): string {
  return v === undefined ? '-' : v.toFixed(digits);
}

/** The results as a fixed-width table. */
export function formatBenchTable(results: BenchResults): string {
  const head = ['section', 'mode', 'backend', 'TS samples/s', 'torch 1T', 'torch all', 'TS/torch 1T', 'TS/torch all'];
  const rows = results.rows.map((r) => [r.section, r.mode, r.backend, fmt(r.samplesPerSec), fmt(r.torch1), fmt(r.torchAll), fmt(r.ratio1, 2), fmt(r.ratioAll, 2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const targets = results.targets.map((t) => `${t.met ? 'MET ' : 'MISS'} ${t.description}: ${t.ratio === null ? 'not measured' : `${t.ratio.toFixed(2)}x`} (target >= ${t.required}x)`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', ...targets].join('\n');
}

function target(rows: BenchRow[], section: string, required: number, description: string): BenchTarget {
  const row = rows.find((r) => r.section === section && r.mode === 'train' && r.backend === 'wasm');
  const ratio = row?.ratio1 ?? null;
  return { description, ratio, required, met: ratio !== null && ratio >= required };
}

/**
 * Runs the benchmark.
 * @param options - backends, sections, output path, measurement settings
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchResults> {
  const log = options.log ?? ((line: string) => console.log(line));
  registerZooSections();
  const measure: MeasureOptions = { ...DEFAULT_MEASURE, ...options.measure };
  const sections = benchSections().filter((s) => !options.sections || options.sections.includes(s.name));
  if (options.sections) {
    const unknown = options.sections.filter((n) => !benchSections().some((s) => s.name === n));
    if (unknown.length) throw new Error(`unknown bench section(s) ${unknown.join(', ')}; choose from ${benchSections().map((s) => s.name).join(', ')}`);
  }
  const available = (await probeBackends()).filter((s) => s.available).map((s) => s.name);
  const backends = options.backends ?? available;
  for (const backend of backends) {
    if (!available.includes(backend)) throw new Error(`backend ${backend} is not available here; available: ${available.join(', ')}`);
  }
  const loadAverageAtStart = loadavg();
  // PyTorch runs before and after the TypeScript measurements and the two are averaged, so a change in machine
  // load during the run (other processes) affects both sides alike.
  const torchRuns: TorchOutput[] = [];
  const measureTorch = () => {
    if (options.skipTorch) return;
    log(`bench: PyTorch (bench/torch_bench.py, 1 thread and all threads), run ${torchRuns.length + 1} of 2 ...`);
    torchRuns.push(runTorch(measure, sections));
  };
  measureTorch();
  const rows: BenchRow[] = [];
  const skipped: BenchResults['skipped'] = [];
  for (const backend of backends) {
    await useBackend(backend);
    // tfjs's cpu backend runs convolutions as plain JS loops (seconds per CNN step): fewer, single-step repeats.
    const backendMeasure = backend === 'cpu' ? { ...measure, warmup: 1, repeats: 3, minSeconds: 0 } : measure;
    for (const section of sections) {
      const skip = section.skipByDefault?.[backend];
      if (skip && !options.backends) {
        log(`bench: ${section.name} on ${backend} skipped: ${skip}`);
        skipped.push({ section: section.name, backend, reason: skip });
        continue;
      }
      log(`bench: ${section.name} on ${backend} ...`);
      const started = performance.now();
      const throughput = await section.measure(backend, backendMeasure);
      log(`bench: ${section.name} on ${backend}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      for (const [mode, samplesPerSec] of Object.entries(throughput)) rows.push({ section: section.name, mode, backend, samplesPerSec });
    }
  }
  measureTorch();
  let torch: BenchResults['torch'];
  if (options.skipTorch) torch = { skipped: 'skipTorch option' };
  else {
    const mean = (threads: '1' | 'all', section: string, mode: string): number | undefined => {
      const values = torchRuns.map((r) => r.results[threads].models[section]?.[mode]).filter((v): v is number => v !== undefined);
      return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
    };
    const first = torchRuns[0]!;
    torch = { version: first.torch_version, threads: { one: first.results['1'].threads, all: first.results.all.threads } };
    for (const row of rows) {
      row.torch1 = mean('1', row.section, row.mode);
      row.torchAll = mean('all', row.section, row.mode);
      if (row.torch1) row.ratio1 = row.samplesPerSec / row.torch1;
      if (row.torchAll) row.ratioAll = row.samplesPerSec / row.torchAll;
    }
  }
  const results: BenchResults = {
    createdAt: new Date().toISOString(),
    batchSize: measure.batchSize,
    measure,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadAverageAtStart },
    torch,
    rows,
    skipped,
    targets: [
      target(rows, 'mlp', 1.0, 'mlp training on wasm vs PyTorch 1 thread'),
      target(rows, 'cnn', 0.5, 'cnn training on wasm vs PyTorch 1 thread (floor; aim 1.0x)'),
    ],
  };
  const out = options.out ?? join(packageRoot(), 'bench', 'results.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  log(formatBenchTable(results));
  log(`bench: wrote ${out}`);
  return results;
}
