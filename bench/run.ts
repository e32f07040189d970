/**
 * `twinml bench`: throughput (samples/s) of every registered section on each available TypeScript backend, next
 * to the PyTorch original on CPU measured in the same run by bench/torch_bench.py (1 thread and all threads).
 * Prints a table and writes bench/results.json with the TS/PyTorch ratios.
 *
 * Thread counts: wasm and cpu run on one thread; torch runs in process at 1 thread and at PyTorch's all-thread count. The tensorflow backend runs twice, in child processes with
 * TensorFlow's pools pinned to 1 thread and to PyTorch's "all threads" count (tensorflow-pinned.ts); each of its rows
 * is compared only with the PyTorch column of the same thread count.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { probeBackends, useBackend, type BackendName } from '../dist/backend/index.js';
import { findPython } from '../dist/bridge/find-python.js';
import { packageRoot } from '../dist/util/paths.js';
import { benchSections, sectionMeasureOptions, type BenchSection, type MeasureOptions, type Throughput } from './section.js';
import { measureTensorflowPinned } from './tensorflow-pinned.js';
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
  /** Threads the TS backend used (tensorflow: TF_NUM_INTRAOP_THREADS = TF_NUM_INTEROP_THREADS). */
  threads: number;
  /** Batch size of the section (PyTorch used the same). */
  batchSize: number;
  samplesPerSec: number;
  torch1?: number;
  torchAll?: number;
  /** TS / PyTorch with 1 thread (tensorflow rows: only the 1-thread row). */
  ratio1?: number;
  /** TS / PyTorch with all threads (tensorflow rows: only the row with PyTorch's all-thread count). */
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
      .map((s) => ({
        name: s.name,
        module: s.torch!.module,
        cls: s.torch!.cls,
        kwargs: s.torch!.kwargs,
        sample_shape: s.torch!.sampleShape,
        num_classes: s.torch!.numClasses,
        task: s.torch!.task ?? 'classifier',
        batch_size: sectionMeasureOptions(s, measure).batchSize,
      })),
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
  const head = ['section', 'mode', 'backend', 'threads', 'batch', 'TS samples/s', 'torch 1T', 'torch all', 'TS/torch 1T', 'TS/torch all'];
  const rows = results.rows.map((r) => [
    r.section,
    r.mode,
    r.backend,
    String(r.threads),
    String(r.batchSize),
    fmt(r.samplesPerSec),
    fmt(r.torch1),
    fmt(r.torchAll),
    fmt(r.ratio1, 2),
    fmt(r.ratioAll, 2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const torchThreads = 'threads' in results.torch ? ` (PyTorch all threads = ${results.torch.threads.all})` : '';
  const targets = results.targets.map((t) => `${t.met ? 'MET ' : 'MISS'} ${t.description}: ${t.ratio === null ? 'not measured' : `${t.ratio.toFixed(2)}x`} (target >= ${t.required}x)`);
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', `threads: TS backend threads${torchThreads}`, ...targets].join('\n');
}

/**
 * A ratio target on the training row of `section` on `backend`: against PyTorch with 1 thread or all threads.
 * @param rows - measured rows
 * @param spec - which row and ratio, the required ratio and the description
 */
function target(rows: BenchRow[], spec: { section: string; backend: BackendName; against: '1' | 'all'; required: number; description: string }): BenchTarget {
  const ratios = rows
    .filter((r) => r.section === spec.section && r.mode === 'train' && r.backend === spec.backend)
    .map((r) => (spec.against === '1' ? r.ratio1 : r.ratioAll))
    .filter((v): v is number => v !== undefined);
  const ratio = ratios[0] ?? null;
  return { description: spec.description, ratio, required: spec.required, met: ratio !== null && ratio >= spec.required };
}

/**
 * Issue 14: the zoo CNN's architecture written the ordinary way trains at >= 0.95x the zoo CNN's samples/s on wasm
 * (both measured in alternating repeats of the same section).
 */
function zooCnnTarget(rows: BenchRow[], section: string): BenchTarget {
  const rate = (mode: string) => rows.find((r) => r.section === section && r.backend === 'wasm' && r.mode === mode)?.samplesPerSec;
  const ours = rate('train');
  const zoo = rate('train-zoo-cnn');
  const ratio = ours !== undefined && zoo ? ours / zoo : null;
  return { description: `${section} training on wasm vs the zoo cnn`, ratio, required: 0.95, met: ratio !== null && ratio >= 0.95 };
}

/** The issue targets: wasm (issue 4) and the tensorflow backend at equal thread counts (issue 10). */
function benchTargets(rows: BenchRow[]): BenchTarget[] {
  const targets = [
    target(rows, { section: 'mlp', backend: 'wasm', against: '1', required: 1.0, description: 'mlp training on wasm vs PyTorch 1 thread' }),
    target(rows, { section: 'cnn', backend: 'wasm', against: '1', required: 0.5, description: 'cnn training on wasm vs PyTorch 1 thread (floor; aim 1.0x)' }),
    target(rows, { section: 'gpt', backend: 'wasm', against: '1', required: 0.5, description: 'gpt training tokens/s on wasm vs PyTorch 1 thread (issue 16 floor; aim 1.0x)' }),
    ...['cnn-sequential', 'cnn-functional'].map((section) => zooCnnTarget(rows, section)),
  ];
  for (const section of ['mlp', 'cnn']) {
    for (const against of ['1', 'all'] as const) {
      if (!rows.some((r) => r.section === section && r.backend === 'torch')) continue;
      const threads = against === '1' ? '1 thread' : 'all threads';
      targets.push(target(rows, { section, backend: 'torch', against, required: 0.9, description: `${section} training on torch vs PyTorch, both ${threads} (issue 17; aim 1.0x)` }));
    }
  }
  for (const section of ['mlp', 'cnn', 'mlp-large']) {
    for (const against of ['1', 'all'] as const) {
      if (!rows.some((r) => r.section === section && r.backend === 'tensorflow')) continue;
      const threads = against === '1' ? '1 thread' : 'all threads';
      targets.push(target(rows, { section, backend: 'tensorflow', against, required: 1.0, description: `${section} training on tensorflow vs PyTorch, both ${threads}` }));
    }
  }
  return targets;
}

/**
 * Measures `sections` on `backend` (already active unless tensorflow) and returns their rows.
 * @param backend - the TS backend
 * @param sections - sections to measure
 * @param measure - the run's settings
 * @param tensorflowThreads - thread counts for the tensorflow backend's child processes
 * @param log - progress lines
 */
async function measureBackend(
  backend: BackendName,
  sections: BenchSection[],
  measure: MeasureOptions,
  tensorflowThreads: number[],
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (backend === 'tensorflow') {
    for (const threads of tensorflowThreads) {
      log(`bench: ${sections.map((s) => s.name).join(', ')} on tensorflow, ${threads} thread(s) (child process) ...`);
      const started = performance.now();
      const pinned = await measureTensorflowPinned({ threads, sections: sections.map((s) => s.name), measure });
      log(`bench: tensorflow ${threads} thread(s): ${((performance.now() - started) / 1000).toFixed(1)} s`);
      for (const [name, reason] of Object.entries(pinned.failed)) log(`bench: ${name} on tensorflow (${threads} thread(s)) failed: ${reason}`);
      for (const section of sections) {
        const throughput = pinned.results[section.name];
        if (!throughput) continue;
        const batchSize = sectionMeasureOptions(section, measure).batchSize;
        for (const [mode, samplesPerSec] of Object.entries(throughput)) rows.push({ section: section.name, mode, backend, threads, batchSize, samplesPerSec });
      }
    }
    return rows;
  }
  if (backend === 'torch') {
    // libtorch's intra-op pool is set in process (torch.set_num_threads semantics), at the same counts as PyTorch.
    for (const threads of tensorflowThreads) {
      await useBackend('torch', { threads });
      for (const section of sections) {
        log(`bench: ${section.name} on torch, ${threads} thread(s) ...`);
        const options = sectionMeasureOptions(section, measure);
        const throughput = await section.measure(backend, options);
        for (const [mode, samplesPerSec] of Object.entries(throughput)) rows.push({ section: section.name, mode, backend, threads, batchSize: options.batchSize, samplesPerSec });
      }
    }
    return rows;
  }
  for (const section of sections) {
    log(`bench: ${section.name} on ${backend} ...`);
    const started = performance.now();
    const options = sectionMeasureOptions(section, measure);
    const throughput = await section.measure(backend, options);
    log(`bench: ${section.name} on ${backend}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (const [mode, samplesPerSec] of Object.entries(throughput)) rows.push({ section: section.name, mode, backend, threads: 1, batchSize: options.batchSize, samplesPerSec });
  }
  return rows;
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
  // TensorFlow runs at 1 thread and at PyTorch's "all threads" count (its default: the physical cores).
  const allThreads = torchRuns[0]?.results.all.threads ?? cpus().length;
  const tensorflowThreads = [...new Set([1, allThreads])];
  for (const backend of backends) {
    if (backend !== 'tensorflow') await useBackend(backend);
    // tfjs's cpu backend runs convolutions as plain JS loops (seconds per CNN step): fewer, single-step repeats.
    const backendMeasure = backend === 'cpu' ? { ...measure, warmup: 1, repeats: 3, minSeconds: 0 } : measure;
    const runnable = sections.filter((section) => {
      const skip = section.skipByDefault?.[backend];
      if (!skip || options.backends) return true;
      log(`bench: ${section.name} on ${backend} skipped: ${skip}`);
      skipped.push({ section: section.name, backend, reason: skip });
      return false;
    });
    if (runnable.length) rows.push(...(await measureBackend(backend, runnable, backendMeasure, tensorflowThreads, log)));
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
    const threads = { one: first.results['1'].threads, all: first.results.all.threads };
    torch = { version: first.torch_version, threads };
    for (const row of rows) {
      row.torch1 = mean('1', row.section, row.mode);
      row.torchAll = mean('all', row.section, row.mode);
      // tensorflow rows are compared at equal thread counts only; single-threaded backends with both columns.
      const pinned = row.backend === 'tensorflow' || row.backend === 'torch';
      if (row.torch1 && (!pinned || row.threads === threads.one)) row.ratio1 = row.samplesPerSec / row.torch1;
      if (row.torchAll && (!pinned || row.threads === threads.all)) row.ratioAll = row.samplesPerSec / row.torchAll;
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
    targets: benchTargets(rows),
  };
  const out = options.out ?? join(packageRoot(), 'bench', 'results.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  log(formatBenchTable(results));
  log(`bench: wrote ${out}`);
  return results;
}
