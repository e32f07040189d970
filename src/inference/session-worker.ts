/**
 * Worker-thread entry: holds one onnxruntime session and runs requests posted by WorkerPool, so the caller's
 * event loop never blocks on `session.run()` (synchronous in onnxruntime-node).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDirectSession, createSession, directSessionSupports, releaseSession, runSession, type SessionSettings } from './ort-session.js';
import type { FeedTensor } from './tensor-input.js';
import { readSharedInputs } from './shared-inputs.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';
import { transferablesOf } from './worker-protocol.js';

const { modelBytes, settings } = workerData as { modelBytes: Uint8Array; settings: SessionSettings };
const port = parentPort!;

try {
  // This thread exists to block on runs, so the CPU session runs synchronously (no setImmediate deferral per run).
  const direct = directSessionSupports(settings) ? createDirectSession(modelBytes, settings) : undefined;
  const viaPublic = direct ? undefined : await createSession(modelBytes, settings);
  const loaded = (direct ?? viaPublic)!;
  const runOne = (inputs: Record<string, FeedTensor>, outputs?: string[]): Promise<Record<string, FeedTensor>> => {
    if (viaPublic) return runSession(viaPublic.session, inputs, outputs);
    try {
      return Promise.resolve(direct!.run(inputs, outputs));
    } catch (e) {
      return Promise.reject(e);
    }
  };
  port.postMessage({ type: 'ready', inputs: loaded.inputs, outputs: loaded.outputs } satisfies WorkerReply);
  const inFlight = new Set<Promise<void>>();
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'close') {
      void Promise.allSettled([...inFlight])
        .then(() => (viaPublic ? releaseSession(viaPublic.session) : direct!.release()))
        .finally(() => port.close());
      return;
    }
    const start = performance.now();
    const inputs = request.type === 'run-shared' ? readSharedInputs(request.slab, request.inputs) : request.feeds;
    const run = runOne(inputs, request.outputs).then(
      (outputs) => {
        const runMs = performance.now() - start;
        // With returnFeeds the input buffers go back to the caller's pool instead of waiting for this thread's GC.
        const feeds = request.type === 'run' && request.returnFeeds ? request.feeds : undefined;
        const transfer = feeds ? [...transferablesOf(outputs), ...transferablesOf(feeds, true)] : transferablesOf(outputs);
        port.postMessage({ type: 'result', id: request.id, outputs, feeds, runMs } satisfies WorkerReply, transfer);
      },
      (e: unknown) => port.postMessage({ type: 'failed', id: request.id, message: (e as Error).message ?? String(e) } satisfies WorkerReply),
    );
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  });
} catch (e) {
  port.postMessage({ type: 'load-failed', message: (e as Error).message ?? String(e) } satisfies WorkerReply);
}
