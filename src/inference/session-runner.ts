/**
 * Where sessions run. `WorkerPool` keeps one session per worker thread and sends each run to the least busy
 * worker; `InThreadRunner` runs on the calling thread (workers: 0, for one-shot CLI use).
 *
 * Why our own pool rather than piscina: each worker is stateful (it holds a loaded session, hundreds of MB for big
 * models), every worker must load the model before the pool is ready, a crashed worker must be replaced with a
 * freshly loaded session, and `close()` must release every session. piscina schedules stateless tasks onto
 * interchangeable workers, so all of that would be rebuilt around it; the pool itself is ~100 lines.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../util/paths.js';
import { createDirectSession, createSession, directSessionSupports, releaseSession, runSession, type DirectSession, type LoadedSession, type SessionSettings } from './ort-session.js';
import { feedBytes, SHARE_FROM_BYTES, SharedSlabs } from './shared-inputs.js';
import type { FeedTensor } from './tensor-input.js';
import type { TensorSpec } from './types.js';
import { transferablesOf, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

/** How a run treats the caller's feed buffers. */
export interface RunOptions {
  /** Move the feeds' buffers to the worker instead of copying (the caller must not use them again). */
  transfer?: boolean;
  /**
   * Hands the feeds back once the run is done with them, for reuse (a batch-buffer pool). With a worker pool the
   * whole ArrayBuffer behind every feed is moved there and back, so the caller must own those buffers outright.
   */
  recycle?: (feeds: Record<string, FeedTensor>) => void;
  /** Called with the milliseconds the session run itself took (measured on the thread that ran it). */
  onRunMs?: (ms: number) => void;
  /**
   * Send inputs of SHARE_FROM_BYTES or more to the worker through a reused SharedArrayBuffer, copied in slices
   * between event-loop turns, instead of a structured clone (for buffers the caller keeps; ignored with
   * transfer/recycle).
   */
  shareInputs?: boolean;
}

export interface SessionRunner {
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  /** Runs queued or in progress. */
  readonly pending: number;
  /** Number of runs that can execute at the same time. */
  readonly parallelism: number;
  /**
   * @param feeds - Checked inputs.
   * @param outputs - Outputs to fetch (all when omitted).
   * @param options - Transfer and recycling of the feed buffers.
   */
  run(feeds: Record<string, FeedTensor>, outputs?: string[], options?: RunOptions): Promise<Record<string, FeedTensor>>;
  close(): Promise<void>;
}

/**
 * Runs the session on the calling thread (blocks the event loop while onnxruntime computes). With the CPU
 * execution provider the native session runs synchronously inside `run` (no setImmediate deferral, see
 * ort-session.ts), and the returned promise is already settled; other providers use the public session.
 */
export class InThreadRunner implements SessionRunner {
  readonly parallelism = 1;
  pending = 0;
  /** Runs started so far. */
  runs = 0;
  private constructor(private readonly loaded: DirectSession | LoadedSession) {}

  /** @param bytes - ONNX model bytes. @param settings - Session settings. */
  static async start(bytes: Uint8Array, settings: SessionSettings): Promise<InThreadRunner> {
    return new InThreadRunner(directSessionSupports(settings) ? createDirectSession(bytes, settings) : await createSession(bytes, settings));
  }
  get inputs(): TensorSpec[] {
    return this.loaded.inputs;
  }
  get outputs(): TensorSpec[] {
    return this.loaded.outputs;
  }
  run(feeds: Record<string, FeedTensor>, outputs?: string[], options: RunOptions = {}): Promise<Record<string, FeedTensor>> {
    this.runs++;
    const start = performance.now();
    const loaded = this.loaded;
    if ('run' in loaded) {
      let result: Record<string, FeedTensor>;
      try {
        result = loaded.run(feeds, outputs);
      } catch (e) {
        options.recycle?.(feeds);
        return Promise.reject(e);
      }
      options.onRunMs?.(performance.now() - start);
      options.recycle?.(feeds);
      return Promise.resolve(result);
    }
    this.pending++;
    return runSession(loaded.session, feeds, outputs).then(
      (result) => {
        this.pending--;
        options.onRunMs?.(performance.now() - start);
        options.recycle?.(feeds);
        return result;
      },
      (e: unknown) => {
        this.pending--;
        options.recycle?.(feeds);
        throw e;
      },
    );
  }
  async close(): Promise<void> {
    if ('release' in this.loaded) this.loaded.release();
    else await releaseSession(this.loaded.session);
  }
}

interface Pending {
  resolve: (outputs: Record<string, FeedTensor>) => void;
  reject: (error: Error) => void;
  recycle?: (feeds: Record<string, FeedTensor>) => void;
  onRunMs?: (ms: number) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** The compiled worker script (from dist/ when running TypeScript sources under a test runner). */
function workerScript(): URL {
  const here = new URL('./session-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = join(packageRoot(), 'dist', 'inference', 'session-worker.js');
  if (existsSync(built)) return pathToFileURL(built);
  throw new Error(`twinml inference: worker script ${fileURLToPath(here)} not found and ${built} is not built; run \`npm run build\``);
}

/**
 * A worker only moves tensors between its port and its session, so a small young generation suffices; capping it
 * keeps V8 from growing it (and the process RSS) during the first thousands of requests.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/**
 * Starts a worker with the parent's Node flags minus those a worker cannot take (--input-type of `node -e`
 * scripts, V8 heap sizing flags); if Node still rejects them, with none.
 */
function startWorker(script: URL, workerData: unknown): Worker {
  const execArgv = process.execArgv.filter((a) => !/^--(input-type|(min|max)-semi-space-size|max-old-space-size)/.test(a));
  try {
    return new Worker(script, { workerData, execArgv, resourceLimits: WORKER_LIMITS });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return new Worker(script, { workerData, execArgv: [], resourceLimits: WORKER_LIMITS });
  }
}

/** A fixed set of worker threads, each holding its own session of the same model. */
export class WorkerPool implements SessionRunner {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;
  private closing = false;
  private readonly slabs = new SharedSlabs();
  inputs: TensorSpec[] = [];
  outputs: TensorSpec[] = [];

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly settings: SessionSettings,
    readonly parallelism: number,
  ) {}

  /**
   * Starts `size` workers and waits until every one has loaded the model.
   * @param bytes - ONNX model bytes.
   * @param settings - Session settings for each worker.
   * @param size - Number of workers (>= 1).
   */
  static async start(bytes: Uint8Array, settings: SessionSettings, size: number): Promise<WorkerPool> {
    const pool = new WorkerPool(bytes, settings, size);
    try {
      const loaded = await Promise.all(Array.from({ length: size }, () => pool.spawn()));
      pool.inputs = loaded[0]!.inputs;
      pool.outputs = loaded[0]!.outputs;
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Runs sent to a worker so far. */
  get runs(): number {
    return this.nextId - 1;
  }

  get pending(): number {
    let n = 0;
    for (const w of this.workers) n += w.pending.size;
    return n;
  }

  private spawn(): Promise<{ inputs: TensorSpec[]; outputs: TensorSpec[] }> {
    const worker = startWorker(workerScript(), { modelBytes: this.bytes, settings: this.settings });
    const entry: PoolWorker = { worker, pending: new Map() };
    this.workers.push(entry);
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          ready = true;
          resolve({ inputs: reply.inputs, outputs: reply.outputs });
        } else if (reply.type === 'load-failed') {
          reject(new Error(`cannot load the model: ${reply.message}`));
        } else {
          const p = entry.pending.get(reply.id);
          entry.pending.delete(reply.id);
          if (p && reply.type === 'result') {
            if (reply.feeds) p.recycle?.(reply.feeds);
            p.onRunMs?.(reply.runMs);
            p.resolve(reply.outputs);
          }
          else if (p && reply.type === 'failed') p.reject(new Error(`onnxruntime: ${reply.message}`));
        }
      });
      const lost = (why: string) => {
        const index = this.workers.indexOf(entry);
        if (index < 0) return;
        this.workers.splice(index, 1);
        for (const p of entry.pending.values()) p.reject(new Error(`inference worker stopped: ${why}`));
        entry.pending.clear();
        if (!ready) reject(new Error(`inference worker stopped while loading: ${why}`));
        else if (!this.closing) this.spawn().catch(() => undefined);
      };
      worker.on('error', (e) => lost(e.message));
      worker.on('exit', (code) => lost(`exit code ${code}`));
    });
  }

  /**
   * Runs on the least busy worker.
   * @param feeds - Checked inputs by name.
   * @param outputs - Outputs to fetch (all when omitted).
   * @param options - Transfer and recycling of the feed buffers.
   */
  run(feeds: Record<string, FeedTensor>, outputs?: string[], options: RunOptions = {}): Promise<Record<string, FeedTensor>> {
    if (this.closing) return Promise.reject(new Error('the model is closed'));
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (!best || w.pending.size < best.pending.size) best = w;
    if (!best) return Promise.reject(new Error('no inference worker is running'));
    const id = this.nextId++;
    const chosen = best;
    const { recycle, onRunMs } = options;
    if (options.shareInputs && !recycle && !options.transfer && feedBytes(feeds) >= SHARE_FROM_BYTES) return this.runShared(chosen, id, feeds, outputs, onRunMs);
    return new Promise((resolve, reject) => {
      chosen.pending.set(id, { resolve, reject, recycle, onRunMs });
      const transfer = recycle ? transferablesOf(feeds, true) : options.transfer ? transferablesOf(feeds) : [];
      chosen.worker.postMessage({ type: 'run', id, feeds, outputs, returnFeeds: recycle !== undefined } satisfies WorkerRequest, transfer);
    });
  }

  private async runShared(
    chosen: PoolWorker,
    id: number,
    feeds: Record<string, FeedTensor>,
    outputs: string[] | undefined,
    onRunMs: ((ms: number) => void) | undefined,
  ): Promise<Record<string, FeedTensor>> {
    const { slab, inputs } = await this.slabs.fill(feeds);
    try {
      return await new Promise<Record<string, FeedTensor>>((resolve, reject) => {
        if (!this.workers.includes(chosen)) throw new Error('the inference worker stopped before the run was sent');
        chosen.pending.set(id, { resolve, reject, onRunMs });
        chosen.worker.postMessage({ type: 'run-shared', id, slab, inputs, outputs } satisfies WorkerRequest);
      });
    } finally {
      this.slabs.release(slab);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const exits = this.workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => void w.worker.terminate(), 5000);
          w.worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          w.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
        }),
    );
    await Promise.all(exits);
  }
}
