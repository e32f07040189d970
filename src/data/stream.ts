/**
 * Streaming batches from a SampleSource: samples are read, decoded and transformed lazily, at most `prefetch`
 * batches ahead of the consumer (a bounded queue), so decoding (on libuv's thread pool, via sharp) overlaps the
 * training step and memory stays bounded by prefetch x batch size, whatever the dataset's size.
 */
import type { ArrayDataset } from './dataset.js';
import type { Batch } from './loader.js';
import { describeRef, type SampleRef, type SampleSource } from './source.js';
import { applyTransform, decodeOptions, type TransformConfig } from './transforms.js';

/**
 * Samples skipped in skip-bad mode, keyed by file (and row): each bad sample is tried once and left out of every
 * later epoch and of every split that shares it.
 */
export class SkippedSamples {
  private readonly entries = new Map<string, SampleRef & { error: string }>();

  has(ref: SampleRef): boolean {
    return this.entries.has(describeRef(ref));
  }

  /**
   * Records a bad sample, a bad row or a whole unreadable file.
   * @param ref - where it lives
   * @param error - why it was skipped
   */
  add(ref: SampleRef, error: string): void {
    this.entries.set(describeRef(ref), { ...ref, error });
  }

  get count(): number {
    return this.entries.size;
  }

  list(): Array<SampleRef & { error: string }> {
    return [...this.entries.values()];
  }

  /** One line per skipped sample: `<file>[ row <n>]\t<error>` (what the run directory's skipped list holds). */
  toText(): string {
    return this.list()
      .map((e) => `${describeRef(e)}\t${e.error.replace(/\s+/g, ' ')}`)
      .join('\n');
  }
}

/** Options of streamBatches: order, batch size, transform, seed/epoch for augmentation, prefetch. */
export interface StreamOptions {
  /** Sample indices of this epoch, in order (see balancedOrder / epochOrder). */
  order: Int32Array;
  batchSize: number;
  transform: TransformConfig;
  seed: number;
  epoch: number;
  /** Batches decoded ahead of the consumer (default 2). */
  prefetch?: number;
  /** First batch to produce (mid-epoch resume). */
  startBatch?: number;
  dropLast?: boolean;
  /** Skip unreadable samples and record them here instead of failing. */
  skipped?: SkippedSamples;
}

async function loadBatch(source: SampleSource, options: StreamOptions, b: number): Promise<Batch | null> {
  const start = b * options.batchSize;
  const positions = Array.from({ length: Math.min(options.batchSize, options.order.length - start) }, (_, i) => start + i);
  const decode = decodeOptions(options.transform);
  const samples = await Promise.all(
    positions.map(async (position) => {
      const index = options.order[position]!;
      if (options.skipped?.has(source.ref(index))) return null;
      try {
        const raw = await source.read(index, decode);
        return { index, ...applyTransform(raw, options.transform, { seed: options.seed, epoch: options.epoch, position }) };
      } catch (e) {
        if (!options.skipped) throw e;
        options.skipped.add(source.ref(index), (e as Error).message);
        return null;
      }
    }),
  );
  const kept = samples.filter((s): s is NonNullable<typeof s> => s !== null);
  if (kept.length === 0) return null;
  const shape = kept[0]!.shape;
  const d = kept[0]!.data.length;
  const x = new Float32Array(kept.length * d);
  const y = new Int32Array(kept.length);
  kept.forEach((s, i) => {
    if (s.data.length !== d || s.shape.some((v, k) => v !== shape[k])) {
      throw new Error(
        `${describeRef(source.ref(s.index))}: sample shape [${s.shape.join(', ')}] differs from [${shape.join(', ')}] in the same batch ` +
          `(${describeRef(source.ref(kept[0]!.index))}); set a resize so all images have one size`,
      );
    }
    x.set(s.data, i * d);
    y[i] = source.labels[s.index]!;
  });
  return { x, y, shape: [kept.length, ...shape] };
}

/**
 * The batches of one epoch as an async iterator, decoded ahead through a bounded queue.
 * @param source - where samples come from
 * @param options - order, batch size, transform, seed/epoch, prefetch depth, skip-bad log
 */
export async function* streamBatches(source: SampleSource, options: StreamOptions): AsyncGenerator<Batch> {
  if (!(options.batchSize >= 1)) throw new Error(`stream: batch size must be >= 1, got ${options.batchSize}`);
  const prefetch = Math.max(1, options.prefetch ?? 2);
  const n = options.order.length;
  const total = options.dropLast ? Math.floor(n / options.batchSize) : Math.ceil(n / options.batchSize);
  const queue: Array<Promise<Batch | null>> = [];
  let next = options.startBatch ?? 0;
  const fill = (): void => {
    while (queue.length < prefetch && next < total) {
      const p = loadBatch(source, options, next++);
      p.catch(() => undefined); // rejections surface when awaited below, not as unhandled
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const batch = await queue.shift()!;
    fill();
    if (batch) yield batch;
  }
}

/**
 * Reads a whole source into memory through `transform` (no shuffling): for validation sets and small data.
 * @param source - where samples come from
 * @param transform - usually an evaluation transform
 * @param options - batch size for decoding, skip-bad log
 */
export async function materialize(
  source: SampleSource,
  transform: TransformConfig,
  options: { batchSize?: number; skipped?: SkippedSamples; prefetch?: number } = {},
): Promise<ArrayDataset> {
  const order = Int32Array.from({ length: source.labels.length }, (_, i) => i);
  const parts: Batch[] = [];
  for await (const batch of streamBatches(source, { order, batchSize: options.batchSize ?? 256, transform, seed: 0, epoch: 0, prefetch: options.prefetch ?? 4, ...(options.skipped ? { skipped: options.skipped } : {}) })) {
    parts.push(batch);
  }
  if (parts.length === 0) throw new Error(`${source.source}: no readable sample`);
  const sampleShape = parts[0]!.shape.slice(1);
  const n = parts.reduce((a, b) => a + b.y.length, 0);
  const x = new Float32Array(n * sampleShape.reduce((a, b) => a * b, 1));
  const y = new Int32Array(n);
  let offset = 0;
  for (const p of parts) {
    if (p.shape.slice(1).join(',') !== sampleShape.join(',')) {
      throw new Error(`${source.source}: samples of shape [${p.shape.slice(1).join(', ')}] and [${sampleShape.join(', ')}]; set a resize`);
    }
    x.set(p.x, offset * (p.x.length / p.y.length));
    y.set(p.y, offset);
    offset += p.y.length;
  }
  return { x, y, sampleShape, classes: source.classes, source: source.source };
}

/** The batches of every epoch of a training set, as the Trainer consumes them. */
export interface BatchProvider {
  /** Batches per epoch (constant across epochs). */
  readonly batchesPerEpoch: number;
  /**
   * @param epoch - epoch number (the order and augmentation depend only on the seed and this)
   * @param startBatch - first batch (mid-epoch resume)
   */
  /** The batches of `epoch`, starting at batch `startBatch` (to resume mid-epoch). */
  batches(epoch: number, startBatch: number): AsyncIterable<Batch>;
}

/** Options of epochStream. */
export interface EpochStreamOptions {
  batchSize: number;
  seed: number;
  /** The training transform (augmentation and normalisation included). */
  transform: TransformConfig;
  /** The sample order of an epoch (e.g. balancedOrder); its length must not depend on the epoch. */
  order: (epoch: number) => Int32Array;
  prefetch?: number;
  skipped?: SkippedSamples;
}

/**
 * A BatchProvider streaming `source` epoch after epoch.
 * @param source - the training samples
 * @param options - batch size, seed, transform, epoch order, prefetch depth, skip-bad log
 */
export function epochStream(source: SampleSource, options: EpochStreamOptions): BatchProvider {
  const perEpoch = options.order(1).length;
  return {
    batchesPerEpoch: Math.ceil(perEpoch / options.batchSize),
    batches: (epoch, startBatch) =>
      streamBatches(source, {
        order: options.order(epoch),
        batchSize: options.batchSize,
        transform: options.transform,
        seed: options.seed,
        epoch,
        startBatch,
        ...(options.prefetch ? { prefetch: options.prefetch } : {}),
        ...(options.skipped ? { skipped: options.skipped } : {}),
      }),
  };
}
