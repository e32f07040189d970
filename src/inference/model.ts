/** `loadModel` and the InferenceModel implementation over a SessionRunner. */
import { availableParallelism } from 'node:os';
import { taskOf, type ModelCard } from '../util/model-card.js';
import { topClasses } from './classification.js';
import { readModelSource } from './model-source.js';
import { imageToTensor, isEncodedImage, scaleAndNormalize } from './preprocessing.js';
import { HybridRunner, type RunPath } from './hybrid-runner.js';
import { InThreadRunner, WorkerPool, type RunOptions, type SessionRunner } from './session-runner.js';
import { InputError, toFeeds, toFeedTensor, type FeedOptions, type FeedTensor } from './tensor-input.js';
import type {
  Classification,
  ClassifyInput,
  ClassifyOptions,
  InferenceModel,
  InputValue,
  LoadModelOptions,
  OutputTensor,
  PredictInputs,
  PredictOptions,
  TensorSpec,
} from './types.js';

const SHARE_INPUTS: RunOptions = Object.freeze({ shareInputs: true });

class OnnxInferenceModel implements InferenceModel {
  constructor(
    private readonly runner: SessionRunner,
    readonly card: ModelCard | null,
    private readonly feedOptions: FeedOptions = {},
  ) {}

  get inputs(): TensorSpec[] {
    return this.runner.inputs;
  }
  get outputs(): TensorSpec[] {
    return this.runner.outputs;
  }

  predict(inputs: PredictInputs, options: PredictOptions = {}): Promise<Record<string, OutputTensor>> {
    // Not async: the cheap in-thread path is a few microseconds, so every promise layer counts.
    try {
      const feeds = toFeeds(inputs, this.runner.inputs, this.feedOptions);
      // The caller keeps its buffers: large inputs go to a worker through a reused shared slab.
      return this.runFeeds(feeds, options.outputs, SHARE_INPUTS);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Runs already-checked feeds (the server's batcher uses this to skip a second conversion).
   * @param feeds - Tensors from toFeeds.
   * @param outputs - Outputs to fetch (all when omitted).
   * @param options - Move the feed buffers to the worker (only for buffers nobody else holds), or recycle them.
   */
  runFeeds(feeds: Record<string, FeedTensor>, outputs?: string[], options: RunOptions = {}): Promise<Record<string, OutputTensor>> {
    if (outputs) {
      const known = new Set(this.runner.outputs.map((o) => o.name));
      const unknown = outputs.filter((o) => !known.has(o));
      if (unknown.length > 0) {
        return Promise.reject(
          new InputError(
            `unknown output ${unknown.map((u) => `"${u}"`).join(', ')}; the model's outputs are ${[...known].map((k) => `"${k}"`).join(', ')}`,
          ),
        );
      }
    }
    return this.runner.run(feeds, outputs, options);
  }

  async classify(input: ClassifyInput, options: ClassifyOptions = {}): Promise<Classification[]> {
    const card = this.card;
    if (!card) throw new Error('classify needs a model card (model.json beside the model) with head and labels; use predict');
    const task = taskOf(card);
    if (task !== 'classification' || !card.head) {
      throw new Error(`classify: the model card of "${card.name}" states task "${task}", not "classification"; use predict, which returns the named output tensors`);
    }
    const head = card.head;
    const spec = this.runner.inputs.find((s) => s.name === card.input.name) ?? this.runner.inputs[0]!;
    let value: InputValue;
    if (typeof input === 'string' || (input instanceof Uint8Array && isEncodedImage(input))) {
      // The model's channel count when the card leaves it to the image (a gray image for an RGB model).
      const channels = card.preprocessing.channels ?? (spec.shape.length === 4 && (spec.shape[1] === 1 || spec.shape[1] === 3) ? (spec.shape[1] as number) : undefined);
      const image = await imageToTensor(input as string | Uint8Array, channels ? { ...card.preprocessing, channels } : card.preprocessing);
      const shape = spec.shape.length === 2 ? [1, image.data.length] : image.shape;
      value = { data: image.data, shape };
    } else {
      const feed = toFeedTensor(input as InputValue, spec, this.feedOptions);
      let data = feed.data;
      if (!options.raw && (feed.dtype === 'float32' || feed.dtype === 'float64')) {
        data = (feed.data as Float32Array | Float64Array).slice();
        scaleAndNormalize(data, feed.shape, card.preprocessing);
      }
      value = { data, shape: feed.shape };
    }
    const outputs = await this.predict({ [spec.name]: value });
    const output = outputs[card.output.name] ?? Object.values(outputs)[0]!;
    return topClasses(output, { head, labels: card.labels, top: options.top });
  }

  /**
   * How many runs took each path so far: on the calling thread or in a worker (all 'in-thread' with workers: 0,
   * all 'worker' with inThreadBelowMs: 0).
   */
  get runPaths(): Record<RunPath, number> {
    if (this.runner instanceof HybridRunner) return { ...this.runner.calls };
    return this.runner instanceof InThreadRunner ? { 'in-thread': this.runner.runs, worker: 0 } : { 'in-thread': 0, worker: (this.runner as WorkerPool).runs };
  }

  /** Runs queued or in progress on this model's sessions. */
  get pending(): number {
    return this.runner.pending;
  }
  /** How many runs can execute at once (the number of workers). */
  get parallelism(): number {
    return this.runner.parallelism;
  }

  async close(): Promise<void> {
    await this.runner.close();
  }
}

export type { OnnxInferenceModel };

/** Default of LoadModelOptions.inThreadBelowMs for `loadModel`. */
export const DEFAULT_IN_THREAD_BELOW_MS = 2;

/**
 * Loads an ONNX model for inference. Heavy calls run in worker threads (default one), so `predict` never blocks
 * the event loop for longer than `inThreadBelowMs`; calls measured to be cheaper than that run on the calling
 * thread, which saves the worker round trip.
 * @param source - A model directory (model.onnx + optional model.json), a .onnx file (model.json beside it is read
 *   when present), or ONNX bytes.
 * @param options - Execution providers, intra-op threads per session, the number of workers (0 = this thread) and
 *   the in-thread cost threshold.
 */
export async function loadModel(source: string | Uint8Array, options: LoadModelOptions = {}): Promise<InferenceModel> {
  return loadOnnxModel(source, { ...options, inThreadBelowMs: options.inThreadBelowMs ?? DEFAULT_IN_THREAD_BELOW_MS });
}

/**
 * loadModel with the concrete type (pending/parallelism/runFeeds) the server needs. Unlike loadModel,
 * `inThreadBelowMs` defaults to 0 here (every run in a worker), which is what the server's batcher expects.
 * @param source - As for loadModel.
 * @param options - As for loadModel, plus feed options.
 */
export async function loadOnnxModel(
  source: string | Uint8Array,
  options: LoadModelOptions & { feed?: FeedOptions } = {},
): Promise<OnnxInferenceModel> {
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`loadModel: workers must be an integer >= 0, got ${workers}`);
  const inThreadBelowMs = options.inThreadBelowMs ?? 0;
  if (!(inThreadBelowMs >= 0)) throw new Error(`loadModel: inThreadBelowMs must be a number >= 0, got ${inThreadBelowMs}`);
  const { bytes, card, origin } = readModelSource(source);
  const intraOpThreads = options.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, workers)));
  const settings = { executionProviders: options.executionProviders, intraOpThreads };
  let runner: SessionRunner;
  try {
    if (workers === 0) runner = await InThreadRunner.start(bytes, settings);
    else if (inThreadBelowMs === 0) runner = await WorkerPool.start(bytes, settings, workers);
    else {
      const [local, pool] = await Promise.all([InThreadRunner.start(bytes, settings), WorkerPool.start(bytes, settings, workers)]);
      runner = new HybridRunner(local, pool, inThreadBelowMs);
    }
  } catch (e) {
    throw new Error(`loadModel ${origin}: ${(e as Error).message}`);
  }
  return new OnnxInferenceModel(runner, card, options.feed);
}
