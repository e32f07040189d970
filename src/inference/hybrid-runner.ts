/**
 * Runs cheap calls on the calling thread and heavy ones in the worker pool.
 *
 * onnxruntime-node's `session.run` is synchronous underneath, so a call on the calling thread blocks its event loop
 * for as long as the model computes; a worker keeps the loop free but costs a round trip (structured clone of the
 * inputs, two thread wake-ups, ~0.1 ms), which is several times what a small model takes at batch 1. This runner
 * keeps one session on the calling thread beside the pool and sends each call where it is cheapest: on the calling
 * thread when the call's measured cost (RunCostModel) is below `inThreadBelowMs`, to a worker otherwise or when the
 * cost is not known yet. Both sessions are created from the same bytes with the same settings, so a call gives the
 * same numbers on either path.
 */
import { RunCostModel } from './run-cost.js';
import type { InThreadRunner, RunOptions, SessionRunner, WorkerPool } from './session-runner.js';
import type { FeedTensor } from './tensor-input.js';
import type { TensorSpec } from './types.js';

/** Which path a call takes. */
export type RunPath = 'in-thread' | 'worker';

export class HybridRunner implements SessionRunner {
  private readonly costs = new RunCostModel();
  /** How many calls took each path (for tests and the bench). */
  readonly calls: Record<RunPath, number> = { 'in-thread': 0, worker: 0 };
  private closed = false;

  /**
   * @param local - The session on the calling thread.
   * @param pool - The worker pool for heavy calls.
   * @param inThreadBelowMs - Calls whose estimated run time is below this run on the calling thread.
   */
  constructor(
    private readonly local: InThreadRunner,
    private readonly pool: WorkerPool,
    private readonly inThreadBelowMs: number,
  ) {}

  get inputs(): TensorSpec[] {
    return this.pool.inputs;
  }
  get outputs(): TensorSpec[] {
    return this.pool.outputs;
  }
  get pending(): number {
    return this.local.pending + this.pool.pending;
  }
  get parallelism(): number {
    return this.pool.parallelism;
  }

  /**
   * The path a call with these feeds would take now.
   * @param feeds - Checked inputs.
   */
  pathFor(feeds: Record<string, FeedTensor>): RunPath {
    return this.costs.estimateMs(elementsOf(feeds)) < this.inThreadBelowMs ? 'in-thread' : 'worker';
  }

  run(feeds: Record<string, FeedTensor>, outputs?: string[], options: RunOptions = {}): Promise<Record<string, FeedTensor>> {
    if (this.closed) return Promise.reject(new Error('the model is closed'));
    const elements = elementsOf(feeds);
    const path: RunPath = this.costs.estimateMs(elements) < this.inThreadBelowMs ? 'in-thread' : 'worker';
    this.calls[path]++;
    const costs = this.costs;
    const caller = options.onRunMs;
    const onRunMs = (ms: number): void => {
      costs.record(elements, ms);
      caller?.(ms);
    };
    const runOptions: RunOptions = { transfer: options.transfer, recycle: options.recycle, shareInputs: options.shareInputs, onRunMs };
    return (path === 'in-thread' ? this.local : this.pool).run(feeds, outputs, runOptions);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.local.close(), this.pool.close()]);
  }
}

function elementsOf(feeds: Record<string, FeedTensor>): number {
  let n = 0;
  for (const name in feeds) n += feeds[name]!.data.length;
  return n;
}
