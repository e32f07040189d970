/**
 * Bench sections on the `tensorflow` backend with a fixed TensorFlow thread count. TensorFlow sizes its intra-op and
 * inter-op thread pools once, from TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS, when tfjs-node creates its eager
 * context at load; a process that has loaded tfjs-node cannot change them. So each thread count runs in its own
 * child process with both variables set before anything loads, and reports its throughputs as JSON.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../dist/util/paths.js';
import { benchSections, sectionMeasureOptions, type MeasureOptions, type Throughput } from './section.js';

export interface PinnedJob {
  threads: number;
  sections: string[];
  measure: MeasureOptions;
}

export interface PinnedResult {
  /** Throughput per measured section. */
  results: Record<string, Throughput>;
  /** Sections the child could not measure, with the reason. */
  failed: Record<string, string>;
  /** TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS as the child saw them. */
  env: { intraOp: string; interOp: string };
}

const RESULT_MARK = 'TWINML_CHILD_RESULT ';

/**
 * Runs `exportName(args)` of the built module bench/<moduleFile> (npm run build:bench) in a fresh Node process with `env` added to
 * this one's, and returns what it printed with printChildResult.
 * @param moduleFile - file name under bench/ (compiled .js)
 * @param exportName - the exported async function to call
 * @param args - its one argument (JSON)
 * @param env - variables to set before anything loads (TensorFlow reads its own at load)
 * @param what - names the child in errors
 */
export async function runBenchChild<T>(moduleFile: string, exportName: string, args: unknown, env: Record<string, string>, what: string): Promise<T> {
  const entry = join(packageRoot(), 'bench', moduleFile);
  const script = `const m = await import(${JSON.stringify(entry)}); await m[${JSON.stringify(exportName)}](${JSON.stringify(args ?? null)});`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_MARK));
  if (code !== 0 || !line) throw new Error(`${what} failed with exit code ${code}:\n${stderr.trim() || stdout.trim()}`);
  return JSON.parse(line.slice(RESULT_MARK.length)) as T;
}

/**
 * The child's side of runBenchChild: prints the result line.
 * @param value - the result (JSON)
 */
export function printChildResult(value: unknown): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(value)}\n`);
}

/**
 * The environment that pins TensorFlow's thread pools to `threads` (both pools).
 * @param threads - thread count, >= 1
 */
export function tensorflowThreadEnv(threads: number): Record<'TF_NUM_INTRAOP_THREADS' | 'TF_NUM_INTEROP_THREADS', string> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`tensorflow thread count must be a positive integer, got ${threads}`);
  return { TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: String(threads) };
}

/**
 * Measures `sections` on the tensorflow backend in a child process pinned to `threads` threads.
 * @param job - thread count, section names and measurement settings
 */
export async function measureTensorflowPinned(job: PinnedJob): Promise<PinnedResult> {
  return runBenchChild<PinnedResult>('tensorflow-pinned.js', 'runPinnedJob', job, tensorflowThreadEnv(job.threads), `tensorflow bench child (${job.threads} thread(s))`);
}

/**
 * The child's side: checks the thread variables, starts the tensorflow backend, measures and prints one result line.
 * @param job - what measureTensorflowPinned sent
 */
export async function runPinnedJob(job: PinnedJob): Promise<void> {
  const env = { intraOp: process.env.TF_NUM_INTRAOP_THREADS ?? '', interOp: process.env.TF_NUM_INTEROP_THREADS ?? '' };
  if (env.intraOp !== String(job.threads) || env.interOp !== String(job.threads)) {
    throw new Error(`tensorflow bench child: TF_NUM_INTRAOP_THREADS=${env.intraOp} TF_NUM_INTEROP_THREADS=${env.interOp}, expected ${job.threads}`);
  }
  // Loaded only now, after the variables are in place (tfjs-node creates TensorFlow's context on load).
  const { useBackend } = await import('../dist/backend/index.js');
  const { registerZooSections } = await import('./zoo-sections.js');
  registerZooSections();
  await useBackend('tensorflow');
  const results: Record<string, Throughput> = {};
  const failed: Record<string, string> = {};
  for (const name of job.sections) {
    const section = benchSections().find((s) => s.name === name);
    if (!section) {
      failed[name] = `section ${name} is not registered in the child process (registered: ${benchSections().map((s) => s.name).join(', ')})`;
      continue;
    }
    results[name] = await section.measure('tensorflow', sectionMeasureOptions(section, job.measure));
  }
  const result: PinnedResult = { results, failed, env };
  printChildResult(result);
}
