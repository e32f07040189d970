/** Messages between WorkerPool and session-worker. */
import type { SharedInputLayout } from './shared-inputs.js';
import type { FeedTensor } from './tensor-input.js';
import type { TensorSpec } from './types.js';

export type WorkerRequest =
  | { type: 'run'; id: number; feeds: Record<string, FeedTensor>; outputs?: string[]; returnFeeds?: boolean }
  /** Inputs in a SharedArrayBuffer slab (SharedSlabs); the caller reuses the slab once the reply arrives. */
  | { type: 'run-shared'; id: number; slab: SharedArrayBuffer; inputs: SharedInputLayout[]; outputs?: string[] }
  | { type: 'close' };

export type WorkerReply =
  | { type: 'ready'; inputs: TensorSpec[]; outputs: TensorSpec[] }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; outputs: Record<string, FeedTensor>; feeds?: Record<string, FeedTensor>; runMs: number }
  | { type: 'failed'; id: number; message: string };

/**
 * The buffers to move instead of copy: by default those of tensors that own their whole ArrayBuffer; with
 * `ownedViews` also the buffers behind partial views (the caller owns those buffers outright, e.g. pooled batches).
 */
export function transferablesOf(tensors: Record<string, FeedTensor>, ownedViews = false): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of Object.values(tensors)) {
    const buffer = t.data.buffer;
    const whole = t.data.byteOffset === 0 && t.data.byteLength === buffer.byteLength;
    if (buffer instanceof ArrayBuffer && (whole || ownedViews) && !list.includes(buffer)) {
      list.push(buffer);
    }
  }
  return list;
}
