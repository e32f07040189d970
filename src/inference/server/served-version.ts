/**
 * One loaded model version as the server runs it: its session(s), its dynamic batcher, its statistics, and the
 * count of requests holding it, so unloading a version lets its in-flight requests finish (drain) before its
 * sessions close.
 */
import type { ModelCard } from '../../util/model-card.js';
import type { OnnxInferenceModel } from '../model.js';
import type { LanguageModel } from '../generation-types.js';
import { DynamicBatcher, type BatchObserver } from './batcher.js';
import type { EffectiveSettings, ResolvedModelConfig } from './model-config.js';
import { tritonConfigJson } from './model-config.js';
import { VersionStats } from './stats.js';

export class ServedVersion {
  readonly batcher: DynamicBatcher;
  readonly stats = new VersionStats();
  /** The KV-cache decoder of a language model (decoder_with_past.onnx in the version folder), for the generate extension. */
  languageModel: LanguageModel | null = null;
  private inflight = 0;
  private drained: (() => void) | undefined;
  private closed: Promise<void> | undefined;

  /**
   * @param name - Model name.
   * @param version - Version folder name.
   * @param model - The loaded model.
   * @param config - Its configuration file's values.
   * @param settings - The effective settings (file over server defaults).
   * @param signature - What was loaded (file sizes and times), so polling notices changes.
   * @param metrics - Receives batch sizes and queue times (Prometheus).
   */
  constructor(
    readonly name: string,
    readonly version: string,
    readonly model: OnnxInferenceModel,
    readonly config: ResolvedModelConfig,
    readonly settings: EffectiveSettings,
    readonly signature: string,
    metrics?: BatchObserver,
  ) {
    const stats = this.stats;
    this.batcher = new DynamicBatcher(
      model,
      { maxBatchSize: settings.batcherMaxBatchSize, maxQueueDelayMs: settings.maxQueueDelayMs, preferredBatchSizes: settings.preferredBatchSizes },
      {
        onBatch: (rows, queueSeconds) => metrics?.onBatch(rows, queueSeconds),
        onExecution: (rows, ns) => stats.recordExecution(rows, ns),
      },
    );
  }

  /** The model card (model.json), or null. */
  get card(): ModelCard | null {
    return this.model.card;
  }

  /** Whether NaN/±Infinity inputs are passed to the model (the default) or refused (twinml.refuse_non_finite_inputs). */
  get allowNonFinite(): boolean {
    return !this.config.refuseNonFinite;
  }

  /** The configuration in Triton's JSON shape. */
  tritonConfig(): Record<string, unknown> {
    return tritonConfigJson(this.name, this.config, this.settings, this.model.inputs, this.model.outputs);
  }

  /** Marks a request as using this version (call release() when its response is written). */
  acquire(): void {
    this.inflight++;
  }

  /** Ends a request started with acquire(). */
  release(): void {
    this.inflight--;
    if (this.inflight === 0 && this.drained) this.drained();
  }

  /** Requests holding this version. */
  get active(): number {
    return this.inflight;
  }

  /** Waits for in-flight requests to finish, then closes the sessions (idempotent). */
  drainAndClose(): Promise<void> {
    this.closed ??= (async () => {
      if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      await Promise.all([this.model.close(), this.languageModel?.close()]);
    })();
    return this.closed;
  }
}
