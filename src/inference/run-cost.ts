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

interface Bucket {
  /** The last KEEP measurements, oldest first (ms per element). */
  recent: number[];
  /** Their median. */
  median: number;
}

export class RunCostModel {
  /** By bucket (floor(log2(elements))). */
  private readonly buckets = new Map<number, Bucket>();

  private static bucketOf(elements: number): number {
    return elements <= 1 ? 0 : Math.floor(Math.log2(elements));
  }

  /**
   * Records one run.
   * @param elements - Total input elements of the run.
   * @param ms - How long the session run took.
   */
  record(elements: number, ms: number): void {
    if (!(ms >= 0) || elements <= 0) return;
    const key = RunCostModel.bucketOf(elements);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { recent: [], median: 0 };
      this.buckets.set(key, bucket);
    }
    bucket.recent.push(ms / elements);
    if (bucket.recent.length > KEEP) bucket.recent.shift();
    const sorted = [...bucket.recent].sort((a, b) => a - b);
    bucket.median = sorted[Math.floor(sorted.length / 2)]!;
  }

  /**
   * Estimated milliseconds for a run with this many input elements (Infinity when nothing this size or smaller
   * has been measured yet).
   * @param elements - Total input elements.
   */
  estimateMs(elements: number): number {
    const bucket = RunCostModel.bucketOf(elements);
    let nearest = -1;
    for (const b of this.buckets.keys()) if (b <= bucket && b > nearest) nearest = b;
    if (nearest < 0) return Infinity;
    return this.buckets.get(nearest)!.median * Math.max(1, elements);
  }
}
