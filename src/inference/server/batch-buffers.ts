/**
 * Reusable buffers for batched feeds. Each batch used to get fresh typed arrays sized to its row count; under
 * load those allocations (3 KB to 200 KB, a different size per batch, freed whenever a GC gets to them) fragment
 * glibc's main heap, and the server's resident memory crept up with the request count. A pooled buffer holds
 * `maxBatchSize` rows, a batch uses a view of its first rows, and the buffer comes back after the run
 * (sent back by the worker) for the next batch.
 */
import { allocate } from '../dtypes.js';
import type { FeedTensor } from '../tensor-input.js';
import type { TensorData, TensorDtype } from '../types.js';

export class BatchBufferPool {
  private readonly free = new Map<string, TensorData[]>();

  /**
   * @param maxBatchRows - Rows a pooled buffer holds.
   * @param keepPerShape - Free buffers kept per input and row shape (more are left to the GC).
   */
  constructor(
    private readonly maxBatchRows: number,
    private readonly keepPerShape: number,
  ) {}

  /**
   * A view of `rows` rows of a pooled buffer for one input.
   * @param name - Input name.
   * @param dtype - Element type.
   * @param rowSize - Elements per row.
   * @param rows - Rows needed (at most maxBatchRows).
   */
  acquire(name: string, dtype: TensorDtype, rowSize: number, rows: number): TensorData {
    if (rows > this.maxBatchRows) throw new RangeError(`a batch of ${rows} rows is larger than the pool's ${this.maxBatchRows}`);
    const buffer = this.free.get(keyOf(name, dtype, rowSize))?.pop() ?? this.create(dtype, rowSize);
    return buffer.subarray(0, rows * rowSize) as TensorData;
  }

  /**
   * Takes back the buffers behind a batch's feeds: views from acquire, possibly after a round trip through a
   * worker (then the same memory arrives as a new ArrayBuffer object). Buffers of another size are ignored.
   */
  release(feeds: Record<string, FeedTensor>): void {
    for (const [name, t] of Object.entries(feeds)) {
      const buffer = t.data.buffer;
      const rowSize = t.shape.slice(1).reduce((a, b) => a * b, 1);
      if (buffer.byteLength !== this.maxBatchRows * rowSize * t.data.BYTES_PER_ELEMENT) continue;
      const key = keyOf(name, t.dtype, rowSize);
      const list = this.free.get(key) ?? [];
      if (list.length >= this.keepPerShape) continue;
      const Whole = t.data.constructor as new (b: ArrayBufferLike) => TensorData;
      list.push(new Whole(buffer));
      this.free.set(key, list);
    }
  }

  /** Free buffers held, over all inputs. */
  get size(): number {
    let n = 0;
    for (const list of this.free.values()) n += list.length;
    return n;
  }

  private create(dtype: TensorDtype, rowSize: number): TensorData {
    return allocate(dtype, this.maxBatchRows * rowSize);
  }
}

function keyOf(name: string, dtype: TensorDtype, rowSize: number): string {
  return `${name}\u0000${dtype}\u0000${rowSize}`;
}
