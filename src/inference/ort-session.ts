/**
 * The one file that imports onnxruntime-node: creates a session from model bytes, describes its inputs and
 * outputs, and runs it on checked feed tensors. Used on the calling thread (workers: 0) and inside each worker.
 *
 * Two kinds of session. `createSession` is onnxruntime-node's public `InferenceSession`, whose `run` validates its
 * arguments, defers the (synchronous) native run to a later event-loop turn with setImmediate and wraps the
 * outputs again. `createDirectSession` holds the same native session object onnxruntime-node's handler holds
 * (its documented "simple synchronized inference session object wrap", `onnxruntime-node/dist/binding`), loaded
 * with the same options, and runs it synchronously: the same computation and outputs without the deferral, which
 * costs more than a small model's whole run. Our callers have already checked feeds and output names. Because this
 * reads a module inside onnxruntime-node's dist/, package.json pins onnxruntime-node exactly.
 */
import * as ort from 'onnxruntime-node';
import { binding, initOrt, type Binding } from 'onnxruntime-node/dist/binding.js';
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
  const session = await ort.InferenceSession.create(bytes, sessionOptions(settings));
  return { session, inputs: toSpecs(session.inputMetadata, 'input'), outputs: toSpecs(session.outputMetadata, 'output') };
}

function sessionOptions(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: settings.executionProviders ?? ['cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    // Idle intra-op threads sleep instead of spinning: spinning steals the cores the event loop and the other
    // workers need (measured: 2x lower server throughput on 2 cores with spinning on).
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  if (settings.intraOpThreads !== undefined) options.intraOpNumThreads = settings.intraOpThreads;
  return options;
}

/** A native onnxruntime session run synchronously on the thread that holds it (see the file comment). */
export interface DirectSession {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Runs the session on checked feeds; blocks this thread while onnxruntime computes. */
  run(feeds: Record<string, FeedTensor>, outputNames?: string[]): Record<string, FeedTensor>;
  release(): void;
}

/** onnxruntime's element type numbers (ONNX TensorProto.DataType), as onnxruntime-node's handler maps them. */
const ORT_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64' };

function nativeSpecs(metadata: Binding.ValueMetadata[], what: string): TensorSpec[] {
  return toSpecs(
    metadata.map((m) => ({
      name: m.name,
      isTensor: m.isTensor,
      type: (ORT_TYPES[m.type] ?? `element type ${m.type}`) as ort.Tensor.Type,
      // As onnxruntime-node's handler: a dynamic axis (-1) by its symbolic name ('' when it has none).
      shape: m.shape.map((d, i) => (d === -1 ? m.symbolicDimensions[i] : d)),
    })) as ort.InferenceSession.ValueMetadata[],
    what,
  );
}

/**
 * Whether createDirectSession can load with these settings: the CPU execution provider only (other providers go
 * through the public session, which drops unavailable ones with a warning).
 * @param settings - Session settings.
 */
export function directSessionSupports(settings: SessionSettings): boolean {
  return (settings.executionProviders ?? ['cpu']).every((p) => p === 'cpu');
}

/**
 * Loads a native session for synchronous runs (CPU execution provider; see directSessionSupports).
 * @param bytes - The model file's contents.
 * @param settings - Intra-op threads.
 */
export function createDirectSession(bytes: Uint8Array, settings: SessionSettings): DirectSession {
  initOrt();
  const native = new binding.InferenceSession();
  native.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, sessionOptions(settings));
  const inputs = nativeSpecs(native.inputMetadata, 'input');
  const outputs = nativeSpecs(native.outputMetadata, 'output');
  const allOutputs: Record<string, null> = {};
  for (const o of outputs) allOutputs[o.name] = null;
  const noOptions = {};
  let released = false;
  return {
    inputs,
    outputs,
    run(feeds, outputNames) {
      if (released) throw new Error('the session is released');
      let fetches = allOutputs;
      if (outputNames) {
        fetches = {};
        for (const name of outputNames) fetches[name] = null;
      }
      const results = native.run(toOrtFeeds(feeds), fetches, noOptions);
      return fromOrtResults(results as Record<string, ort.Tensor>);
    },
    release() {
      if (released) return;
      released = true;
      native.dispose();
    },
  };
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
  return run.then(fromOrtResults);
}

function fromOrtResults(results: Record<string, ort.Tensor>): Record<string, FeedTensor> {
  const out: Record<string, FeedTensor> = {};
  for (const name in results) {
    const t = results[name]!;
    if (!isTensorDtype(t.type)) throw new Error(`output "${name}" has element type ${t.type}, which twinml does not return`);
    out[name] = { dtype: t.type, shape: t.dims as number[], data: t.data as TensorData };
  }
  return out;
}

/** Releases a session's native memory. */
export async function releaseSession(session: ort.InferenceSession): Promise<void> {
  await session.release();
}
