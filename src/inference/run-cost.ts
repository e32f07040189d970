/**
 * What a session run costs, learned from the runs themselves: the hybrid runner asks it whether a call is cheap
 * enough to run on the calling thread (skipping the worker hop) or heavy enough to need a worker.
 *
 * Calls are grouped by their total input element count into power-of-two buckets; each bucket keeps a moving
 * average of milliseconds per element. A size never seen is estimated from the nearest smaller bucket (the
 * per-element cost falls as batches grow, so this over-estimates: the safe direction); with nothing smaller
 * measured the estimate is Infinity, which sends the call to a worker, whose measurement then teaches the model.
 */

/** Weight of the newest measurement in a bucket's moving average. */
const NEWEST_WEIGHT = 0.25;

export class RunCostModel {
  /** Milliseconds per input element, by bucket (floor(log2(elements))). */
  private readonly msPerElement = new Map<number, number>();

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
    const bucket = RunCostModel.bucketOf(elements);
    const perElement = ms / elements;
    const previous = this.msPerElement.get(bucket);
    this.msPerElement.set(bucket, previous === undefined ? perElement : previous + NEWEST_WEIGHT * (perElement - previous));
  }

  /**
   * Estimated milliseconds for a run with this many input elements (Infinity when nothing this size or smaller
   * has been measured yet).
   * @param elements - Total input elements.
   */
  estimateMs(elements: number): number {
    const bucket = RunCostModel.bucketOf(elements);
    let nearest = -1;
    for (const b of this.msPerElement.keys()) if (b <= bucket && b > nearest) nearest = b;
    if (nearest < 0) return Infinity;
    return this.msPerElement.get(nearest)! * Math.max(1, elements);
  }
}
