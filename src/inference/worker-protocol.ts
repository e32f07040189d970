/** Messages between WorkerPool and session-worker. */
import type { FeedTensor } from './tensor-input.js';
import type { TensorSpec } from './types.js';

export type WorkerRequest =
  | { type: 'run'; id: number; feeds: Record<string, FeedTensor>; outputs?: string[] }
  | { type: 'close' };

export type WorkerReply =
  | { type: 'ready'; inputs: TensorSpec[]; outputs: TensorSpec[] }
  | { type: 'load-failed'; message: string }
  | { type: 'result'; id: number; outputs: Record<string, FeedTensor> }
  | { type: 'failed'; id: number; message: string };

/** The buffers of tensors that own their whole ArrayBuffer (safe to transfer instead of copy). */
export function transferablesOf(tensors: Record<string, FeedTensor>): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of Object.values(tensors)) {
    const buffer = t.data.buffer;
    if (buffer instanceof ArrayBuffer && t.data.byteOffset === 0 && t.data.byteLength === buffer.byteLength && !list.includes(buffer)) {
      list.push(buffer);
    }
  }
  return list;
}
