/**
 * Dynamic batching for one model version: concurrent requests are concatenated along the batch axis (axis 0) and
 * run as one session call, then the outputs are split back. A batch is sent when it holds `maxBatchSize` rows or
 * its oldest request has waited `maxQueueDelayMs`, and only while a worker slot is free, so under load batches
 * grow by themselves and at low load a request waits at most the delay.
 */
import type { OnnxInferenceModel } from '../model.js';
import { BatchBufferPool } from './batch-buffers.js';
import type { FeedTensor } from '../tensor-input.js';
import type { OutputTensor, TensorData } from '../types.js';

export interface BatchingOptions {
  /** Most rows in one batch; 1 disables batching (default 64). */
  maxBatchSize?: number;
  /** Longest a request waits for others, in ms (default 2). */
  maxQueueDelayMs?: number;
  /** Triton's preferred_batch_size: a batch also leaves as soon as it reaches the largest of these. */
  preferredBatchSizes?: number[];
}

export interface BatchObserver {
  /** Called per batch sent: its size in rows and how long each of its requests queued (seconds). */
  onBatch(rows: number, queueSeconds: number[]): void;
  /** Called per finished session run: its rows and duration in nanoseconds. */
  onExecution?(rows: number, inferNs: number): void;
}

/** Where submit writes one request's queue and run times (nanoseconds). */
export interface SubmitTiming {
  queueNs: number;
  inferNs: number;
}

interface Queued {
  feeds: Record<string, FeedTensor>;
  rows: number;
  key: string;
  outputs?: string[];
  enqueuedAt: number;
  timing?: SubmitTiming;
  resolve: (outputs: Record<string, OutputTensor>) => void;
  reject: (error: unknown) => void;
}

export class DynamicBatcher {
  private readonly queue: Queued[] = [];
  private queuedRows = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  /** Rows at which a batch leaves without waiting (the largest preferred size, else maxBatchSize). */
  private readonly fullRows: number;
  /** Whether every input and output has a dynamic leading axis (otherwise requests run one by one). */
  readonly batchable: boolean;
  private readonly buffers: BatchBufferPool;

  /**
   * @param model - The model to run.
   * @param options - Batch size and delay limits.
   * @param observer - Receives batch sizes and queue times (metrics).
   */
  constructor(
    private readonly model: OnnxInferenceModel,
    options: BatchingOptions = {},
    private readonly observer?: BatchObserver,
  ) {
    this.maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? 64));
    this.maxQueueDelayMs = Math.max(0, options.maxQueueDelayMs ?? 2);
    const preferred = (options.preferredBatchSizes ?? []).filter((s) => s >= 1 && s <= this.maxBatchSize);
    this.fullRows = preferred.length > 0 ? Math.max(...preferred) : this.maxBatchSize;
    const dynamicFirst = (shape: Array<number | string | null>) => shape.length > 0 && typeof shape[0] !== 'number';
    this.batchable = this.maxBatchSize > 1 && model.inputs.every((s) => dynamicFirst(s.shape)) && model.outputs.every((s) => dynamicFirst(s.shape));
    this.buffers = new BatchBufferPool(this.maxBatchSize, this.capacity + 1);
  }

  /** Slots: two runs per worker keep each worker busy while the next batch crosses to it. */
  private get capacity(): number {
    return this.model.parallelism * 2;
  }

  /**
   * Runs one request, batched with others when possible. The feeds' buffers are moved to the worker: pass
   * tensors built for this request only (as requestToFeeds makes them).
   * @param feeds - Checked inputs (each with the batch axis first).
   * @param outputs - Outputs to fetch (all when omitted).
   * @param timing - Receives the request's queue and run times (statistics).
   */
  submit(feeds: Record<string, FeedTensor>, outputs?: string[], timing?: SubmitTiming): Promise<Record<string, OutputTensor>> {
    const tensors = Object.values(feeds);
    const rows = tensors[0]?.shape[0] ?? 0;
    const sameRows = tensors.every((t) => t.shape.length > 0 && t.shape[0] === rows);
    if (!this.batchable || !sameRows || rows === 0 || rows >= this.maxBatchSize) {
      this.observer?.onBatch(rows, [0]);
      const start = performance.now();
      return this.model.runFeeds(feeds, outputs, { transfer: true }).then((result) => {
        const ns = (performance.now() - start) * 1e6;
        if (timing) timing.inferNs = ns;
        this.observer?.onExecution?.(rows, ns);
        return result;
      });
    }
    const key = JSON.stringify([Object.entries(feeds).map(([n, t]) => [n, t.shape.slice(1)]), outputs ?? null]);
    return new Promise((resolve, reject) => {
      this.queue.push({ feeds, rows, key, outputs, enqueuedAt: performance.now(), timing, resolve, reject });
      this.queuedRows += rows;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.capacity) {
      const waited = performance.now() - this.queue[0]!.enqueuedAt;
      if (this.queuedRows < this.fullRows && waited < this.maxQueueDelayMs) {
        this.arm(this.maxQueueDelayMs - waited);
        return;
      }
      this.dispatch(this.takeBatch());
    }
  }

  private arm(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, ms));
  }

  /** Takes queued requests compatible with the oldest one, up to maxBatchSize rows, keeping the rest in order. */
  private takeBatch(): Queued[] {
    const key = this.queue[0]!.key;
    const batch: Queued[] = [];
    const rest: Queued[] = [];
    let rows = 0;
    for (const q of this.queue) {
      if (q.key === key && rows + q.rows <= this.maxBatchSize) {
        batch.push(q);
        rows += q.rows;
      } else rest.push(q);
    }
    this.queue.length = 0;
    this.queue.push(...rest);
    this.queuedRows -= rows;
    return batch;
  }

  private dispatch(batch: Queued[]): void {
    this.inFlight++;
    const now = performance.now();
    const rows = batch.reduce((n, q) => n + q.rows, 0);
    this.observer?.onBatch(rows, batch.map((q) => (now - q.enqueuedAt) / 1000));
    for (const q of batch) if (q.timing) q.timing.queueNs = (now - q.enqueuedAt) * 1e6;
    const single = batch.length === 1;
    const feeds = single ? batch[0]!.feeds : this.concatFeeds(batch.map((q) => q.feeds), rows);
    this.model
      .runFeeds(feeds, batch[0]!.outputs, single ? { transfer: true } : { recycle: (returned) => this.buffers.release(returned) })
      .then(
        (outputs) => {
          const ns = (performance.now() - now) * 1e6;
          this.observer?.onExecution?.(rows, ns);
          for (const q of batch) if (q.timing) q.timing.inferNs = ns;
          if (batch.length === 1) batch[0]!.resolve(outputs);
          else if (Object.values(outputs).some((t) => t.shape[0] !== rows)) {
            const error = new Error('the model does not keep the batch axis of its inputs; serve it with batching off');
            for (const q of batch) q.reject(error);
          } else splitOutputs(outputs, batch);
        },
        (error: unknown) => {
          for (const q of batch) q.reject(error);
        },
      )
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }

  /** Requests waiting for a batch. */
  get queued(): number {
    return this.queue.length;
  }

  /** Free pooled batch buffers (for tests). */
  get pooledBuffers(): number {
    return this.buffers.size;
  }

  /** Concatenates the requests' feeds along axis 0 into pooled buffers. */
  private concatFeeds(list: Array<Record<string, FeedTensor>>, rows: number): Record<string, FeedTensor> {
    const out: Record<string, FeedTensor> = {};
    for (const [name, first] of Object.entries(list[0]!)) {
      const rowSize = first.shape.slice(1).reduce((a, b) => a * b, 1);
      const data = this.buffers.acquire(name, first.dtype, rowSize, rows);
      let offset = 0;
      for (const feeds of list) {
        const t = feeds[name]!;
        (data as unknown as { set(src: ArrayLike<number | bigint>, offset: number): void }).set(t.data as ArrayLike<number | bigint>, offset);
        offset += t.data.length;
      }
      out[name] = { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
    }
    return out;
  }
}

function splitOutputs(outputs: Record<string, OutputTensor>, batch: Queued[]): void {
  const parts: Array<Record<string, OutputTensor>> = batch.map(() => ({}));
  for (const [name, t] of Object.entries(outputs)) {
    const total = t.shape[0]!;
    const rowSize = total === 0 ? 0 : t.data.length / total;
    let row = 0;
    batch.forEach((q, i) => {
      const data = t.data.subarray(row * rowSize, (row + q.rows) * rowSize) as TensorData;
      parts[i]![name] = { dtype: t.dtype, shape: [q.rows, ...t.shape.slice(1)], data };
      row += q.rows;
    });
  }
  batch.forEach((q, i) => q.resolve(parts[i]!));
}
