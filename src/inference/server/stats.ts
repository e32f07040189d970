/**
 * The statistics extension: per model version, counts and cumulative nanoseconds of successful and failed
 * requests and of their phases (queue, compute_input, compute_infer, compute_output), executions (session runs)
 * and inferences (rows), in Triton's JSON shape (`/v2/models/stats`, gRPC ModelStatistics).
 */

/** A count with its cumulative duration. */
export interface Duration {
  count: number;
  ns: number;
}

/** One request's phase times in nanoseconds, filled in as it moves through the server. */
export interface RequestTiming {
  /** Parsing and checking the request into feeds. */
  inputNs: number;
  /** Waiting in the batcher's queue. */
  queueNs: number;
  /** The session run (for a batch: the whole batch's run). */
  inferNs: number;
  /** Writing the response. */
  outputNs: number;
}

/** A fresh all-zero timing record. */
export function newTiming(): RequestTiming {
  return { inputNs: 0, queueNs: 0, inferNs: 0, outputNs: 0 };
}

const zero = (): Duration => ({ count: 0, ns: 0 });

/** Statistics of one served model version. */
export class VersionStats {
  readonly success = zero();
  readonly fail = zero();
  readonly queue = zero();
  readonly computeInput = zero();
  readonly computeInfer = zero();
  readonly computeOutput = zero();
  /** Session runs, by batch size. */
  private readonly batches = new Map<number, { input: Duration; infer: Duration; output: Duration }>();
  executionCount = 0;
  inferenceCount = 0;
  /** Milliseconds since the epoch of the last finished request (0 = none yet). */
  lastInference = 0;

  /**
   * Records one session run (called by the batcher).
   * @param rows - Rows in the run.
   * @param inferNs - Its duration.
   */
  recordExecution(rows: number, inferNs: number): void {
    this.executionCount++;
    let b = this.batches.get(rows);
    if (!b) this.batches.set(rows, (b = { input: zero(), infer: zero(), output: zero() }));
    b.infer.count++;
    b.infer.ns += inferNs;
  }

  /**
   * Records a finished request.
   * @param ok - Whether it succeeded.
   * @param rows - Rows it inferred.
   * @param totalNs - Time from receipt to response.
   * @param timing - Its phases.
   */
  recordRequest(ok: boolean, rows: number, totalNs: number, timing: RequestTiming): void {
    this.lastInference = Date.now();
    if (!ok) {
      this.fail.count++;
      this.fail.ns += totalNs;
      return;
    }
    this.success.count++;
    this.success.ns += totalNs;
    this.inferenceCount += rows;
    add(this.queue, timing.queueNs);
    add(this.computeInput, timing.inputNs);
    add(this.computeInfer, timing.inferNs);
    add(this.computeOutput, timing.outputNs);
  }

  /**
   * Triton's model_stats entry.
   * @param name - Model name.
   * @param version - Version.
   */
  toJson(name: string, version: string): Record<string, unknown> {
    const d = (x: Duration) => ({ count: x.count, ns: Math.round(x.ns) });
    return {
      name,
      version,
      last_inference: this.lastInference,
      inference_count: this.inferenceCount,
      execution_count: this.executionCount,
      inference_stats: {
        success: d(this.success),
        fail: d(this.fail),
        queue: d(this.queue),
        compute_input: d(this.computeInput),
        compute_infer: d(this.computeInfer),
        compute_output: d(this.computeOutput),
        cache_hit: d(zero()),
        cache_miss: d(zero()),
      },
      batch_stats: [...this.batches.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([size, b]) => ({ batch_size: size, compute_input: d(b.input), compute_infer: d(b.infer), compute_output: d(b.output) })),
      memory_usage: [],
    };
  }
}

function add(d: Duration, ns: number): void {
  d.count++;
  d.ns += ns;
}
