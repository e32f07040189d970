/**
 * What a session run costs, learned from the runs themselves: the hybrid runner asks it whether a call is cheap
 * enough to run on the calling thread (skipping the worker hop) or heavy enough to need a worker.
 *
 * Calls are grouped by their total input element count into power-of-two buckets; each bucket keeps its last
 * few measurements of milliseconds per element and estimates with their median (the upper one for an even count),
 * so one run slowed by the machine (a preempted thread, a cold first run) does not move a call to the other path. A size never seen is estimated from the nearest smaller bucket (the
 * per-element cost falls as batches grow, so this over-estimates: the safe direction); with nothing smaller
 * measured the estimate is Infinity, which sends the call to a worker, whose measurement then teaches the model.
 */

/** Measurements kept per bucket. */
const KEEP = 5;
/** Buckets: floor(log2(elements)) for up to 2^53 elements. */
const BUCKETS = 54;

/** A fixed-size record of recent runs per bucket; arrays rather than maps, since this runs on every call. */
export class RunCostModel {
  /** recent[bucket * KEEP + i]: ms per element of the bucket's last KEEP runs (ring buffer). */
  private readonly recent = new Float64Array(BUCKETS * KEEP);
  private readonly count = new Uint32Array(BUCKETS);
  /** The median per bucket, NaN until measured. */
  private readonly median = new Float64Array(BUCKETS).fill(NaN);
  private readonly scratch = new Float64Array(KEEP);

  private static bucketOf(elements: number): number {
    return elements <= 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(elements)));
  }

  /**
   * Records one run.
   * @param elements - Total input elements of the run.
   * @param ms - How long the session run took.
   */
  record(elements: number, ms: number): void {
    if (!(ms >= 0) || elements <= 0) return;
    const bucket = RunCostModel.bucketOf(elements);
    const n = this.count[bucket]!;
    this.recent[bucket * KEEP + (n % KEEP)] = ms / elements;
    this.count[bucket] = n + 1;
    // Insertion sort of the (at most KEEP) kept values; the median is the middle one (the upper of an even count).
    const kept = Math.min(n + 1, KEEP);
    const sorted = this.scratch;
    for (let i = 0; i < kept; i++) {
      const v = this.recent[bucket * KEEP + i]!;
      let j = i - 1;
      while (j >= 0 && sorted[j]! > v) {
        sorted[j + 1] = sorted[j]!;
        j--;
      }
      sorted[j + 1] = v;
    }
    this.median[bucket] = sorted[kept >> 1]!;
  }

  /**
   * Estimated milliseconds for a run with this many input elements (Infinity when nothing this size or smaller
   * has been measured yet).
   * @param elements - Total input elements.
   */
  estimateMs(elements: number): number {
    for (let b = RunCostModel.bucketOf(elements); b >= 0; b--) {
      const perElement = this.median[b]!;
      if (perElement === perElement) return perElement * Math.max(1, elements); // not NaN
    }
    return Infinity;
  }
}
