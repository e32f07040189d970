/**
 * The one file that imports onnxruntime-node: creates a session from model bytes, describes its inputs and
 * outputs, and runs it on checked feed tensors. Used on the calling thread (workers: 0) and inside each worker.
 */
import * as ort from 'onnxruntime-node';
import { isTensorDtype } from './dtypes.js';
import type { FeedTensor } from './tensor-input.js';
import type { TensorData, TensorSpec } from './types.js';

export interface SessionSettings {
  executionProviders?: string[];
  intraOpThreads?: number;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

function toSpecs(metadata: readonly ort.InferenceSession.ValueMetadata[], what: string): TensorSpec[] {
  return metadata.map((m) => {
    if (!m.isTensor) throw new Error(`${what} "${m.name}" is not a tensor; only tensor inputs/outputs are supported`);
    if (!isTensorDtype(m.type)) throw new Error(`${what} "${m.name}" has element type ${m.type}, which twinml does not feed`);
    return { name: m.name, dtype: m.type, shape: m.shape.map((d) => (typeof d === 'number' && d < 0 ? null : d)) };
  });
}

/**
 * Creates an onnxruntime session from ONNX bytes.
 * @param bytes - The model file's contents.
 * @param settings - Execution providers and intra-op threads.
 */
export async function createSession(bytes: Uint8Array, settings: SessionSettings): Promise<LoadedSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: settings.executionProviders ?? ['cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    // Idle intra-op threads sleep instead of spinning: spinning steals the cores the event loop and the other
    // workers need (measured: 2x lower server throughput on 2 cores with spinning on).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  if (settings.intraOpThreads !== undefined) options.intraOpNumThreads = settings.intraOpThreads;
  const session = await ort.InferenceSession.create(bytes, options);
  return { session, inputs: toSpecs(session.inputMetadata, 'input'), outputs: toSpecs(session.outputMetadata, 'output') };
}

/**
 * onnxruntime tensors over the feeds' buffers (no copy).
 * @param feeds - Checked inputs by name.
 */
export function toOrtFeeds(feeds: Record<string, FeedTensor>): Record<string, ort.Tensor> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const name in feeds) {
    const t = feeds[name]!;
    ortFeeds[name] = new ort.Tensor(t.dtype, t.data, t.shape);
  }
  return ortFeeds;
}

/**
 * Runs a session.
 * @param session - A session from createSession.
 * @param feeds - Checked inputs by name.
 * @param outputNames - Outputs to fetch (all when omitted).
 */
export function runSession(
  session: ort.InferenceSession,
  feeds: Record<string, FeedTensor>,
  outputNames?: string[],
): Promise<Record<string, FeedTensor>> {
  let ortFeeds: Record<string, ort.Tensor>;
  try {
    ortFeeds = toOrtFeeds(feeds);
  } catch (e) {
    return Promise.reject(e);
  }
  const run = outputNames ? session.run(ortFeeds, outputNames) : session.run(ortFeeds);
  return run.then((results) => {
    const out: Record<string, FeedTensor> = {};
    for (const name in results) {
      const t = results[name]!;
      if (!isTensorDtype(t.type)) throw new Error(`output "${name}" has element type ${t.type}, which twinml does not return`);
      out[name] = { dtype: t.type, shape: t.dims as number[], data: t.data as TensorData };
    }
    return out;
  });
}

/** Releases a session's native memory. */
export async function releaseSession(session: ort.InferenceSession): Promise<void> {
  await session.release();
}
