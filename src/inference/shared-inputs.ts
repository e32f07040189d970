/**
 * Moves a heavy call's inputs to a worker through reused SharedArrayBuffers instead of postMessage's structured
 * clone. A structured clone allocates a fresh buffer for every call on the calling thread (a 6.4 MB batch-2048
 * MNIST input: ~11 ms there, mostly page faults on new memory); copying into a slab that is reused costs ~0.5 ms,
 * and is done in 1 MiB slices with an event-loop turn between them, so the loop never stalls on it. The worker
 * copies the inputs out of the slab into its own buffers (onnxruntime-node does not take SharedArrayBuffer-backed
 * arrays), on its own thread.
 */
import { DTYPES } from './dtypes.js';
import type { FeedTensor } from './tensor-input.js';
import type { TensorData, TensorDtype } from './types.js';

/** Where one input lies in a slab. */
export interface SharedInputLayout {
  name: string;
  dtype: TensorDtype;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

/** Inputs smaller than this go by structured clone (cheap at that size, and one message instead of a slab). */
export const SHARE_FROM_BYTES = 64 * 1024;

/** Total bytes of a call's inputs. @param feeds - Checked inputs. */
export function feedBytes(feeds: Record<string, FeedTensor>): number {
  let n = 0;
  for (const name in feeds) n += feeds[name]!.data.byteLength;
  return n;
}

/** Bytes copied between two event-loop turns. */
const SLICE_BYTES = 1 << 20;
/** Free slabs kept for reuse. */
const KEEP_FREE = 4;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A free list of SharedArrayBuffers, reused across calls. */
export class SharedSlabs {
  private readonly free: SharedArrayBuffer[] = [];

  /**
   * Copies the feeds into a slab (yielding to the event loop between slices) and says where each one is.
   * @param feeds - Checked inputs.
   */
  async fill(feeds: Record<string, FeedTensor>): Promise<{ slab: SharedArrayBuffer; inputs: SharedInputLayout[] }> {
    const inputs: SharedInputLayout[] = [];
    let bytes = 0;
    for (const [name, feed] of Object.entries(feeds)) {
      inputs.push({ name, dtype: feed.dtype, shape: feed.shape, byteOffset: bytes, byteLength: feed.data.byteLength });
      bytes += Math.ceil(feed.data.byteLength / 8) * 8; // 8-byte aligned for 64-bit element types
    }
    const slab = this.acquire(bytes);
    const target = new Uint8Array(slab);
    let sinceTurn = 0;
    for (const input of inputs) {
      const data = feeds[input.name]!.data;
      const source = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      for (let at = 0; at < source.length; ) {
        const n = Math.min(SLICE_BYTES - sinceTurn, source.length - at);
        target.set(source.subarray(at, at + n), input.byteOffset + at);
        at += n;
        sinceTurn += n;
        if (sinceTurn >= SLICE_BYTES) {
          await nextTurn();
          sinceTurn = 0;
        }
      }
    }
    return { slab, inputs };
  }

  /** Hands a slab back for reuse once the worker is done with it. @param slab - From fill. */
  release(slab: SharedArrayBuffer): void {
    if (this.free.length < KEEP_FREE) this.free.push(slab);
  }

  private acquire(bytes: number): SharedArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.byteLength;
      if (size >= bytes && (best < 0 || size < this.free[best]!.byteLength)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0]!;
    // Rounded up to a power of two so that slightly different sizes reuse the same slab.
    return new SharedArrayBuffer(Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(1, bytes)))));
  }
}

/**
 * The worker half: copies each input out of the slab into a buffer of its own.
 * @param slab - The shared slab.
 * @param inputs - Where each input lies.
 */
export function readSharedInputs(slab: SharedArrayBuffer, inputs: SharedInputLayout[]): Record<string, FeedTensor> {
  const feeds: Record<string, FeedTensor> = {};
  for (const input of inputs) {
    const own = new Uint8Array(slab, input.byteOffset, input.byteLength).slice();
    const ArrayType = DTYPES[input.dtype].array;
    const data = new ArrayType(own.buffer, 0, input.byteLength / ArrayType.BYTES_PER_ELEMENT) as TensorData;
    feeds[input.name] = { dtype: input.dtype, shape: input.shape, data };
  }
  return feeds;
}
