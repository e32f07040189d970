/**
 * What HTTP and gRPC share: model lookup with the protocol's error messages, and one inference request's
 * bookkeeping (in-flight count for draining, Prometheus metrics, the statistics extension's phase times).
 */
import type { ModelRepository } from './repository.js';
import { unsafeNameReason } from './repository.js';
import { HttpError, statusOf } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import type { ServedVersion } from './served-version.js';
import { newTiming, type RequestTiming } from './stats.js';

/** A request in progress: its phase times and the rows it infers (set by the protocol handler). */
export interface InferContext {
  timing: RequestTiming;
  rows: number;
}

export class InferenceCore {
  /** Set when the server stops: requests are refused with 503 / UNAVAILABLE. */
  closing = false;

  constructor(
    readonly repository: ModelRepository,
    readonly metrics: ServerMetrics,
  ) {}

  /**
   * Finds a served model version or throws the error the client sees (400 bad name, 404 unknown, 503 unavailable).
   * @param name - Model name from the request.
   * @param version - Version from the request ('' or undefined = the newest).
   */
  lookup(name: string, version?: string): ServedVersion {
    const v = version === '' ? undefined : version;
    const bad = unsafeNameReason('model name', name) ?? (v !== undefined ? unsafeNameReason('version', v) : null);
    if (bad) throw new HttpError(400, bad);
    const entry = this.repository.get(name, v);
    if (entry) return entry;
    const reason = this.repository.unavailableReason(name, v);
    if (reason) throw new HttpError(503, `model "${name}"${v !== undefined ? ` version "${v}"` : ''} is unavailable: ${reason}`);
    const versions = this.repository.versions(name);
    if (versions.length > 0) throw new HttpError(404, `model "${name}" has no version "${v}"; versions: ${versions.join(', ')}`);
    const names = this.repository.names();
    throw new HttpError(404, `unknown model "${name}"; models: ${names.slice(0, 20).join(', ') || '(none)'}${names.length > 20 ? ', …' : ''}`);
  }

  /**
   * Runs one inference request's work with its bookkeeping.
   * @param served - The version (from lookup).
   * @param work - Parses, submits to the batcher and writes the response; fills the context.
   */
  async infer<T>(served: ServedVersion, work: (context: InferContext) => Promise<T>): Promise<T> {
    const start = performance.now();
    const labels = { model: served.name, version: served.version };
    const context: InferContext = { timing: newTiming(), rows: 0 };
    served.acquire();
    this.metrics.inferRequests.inc(labels);
    let ok = false;
    try {
      const result = await work(context);
      ok = true;
      return result;
    } catch (e) {
      this.metrics.inferFailures.inc({ ...labels, reason: statusOf(e as Error) < 500 ? 'client' : 'server' });
      throw e;
    } finally {
      const seconds = (performance.now() - start) / 1000;
      this.metrics.inferLatency.observe(labels, seconds);
      served.stats.recordRequest(ok, context.rows, seconds * 1e9, context.timing);
      served.release();
    }
  }
}
