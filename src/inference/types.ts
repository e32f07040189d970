/**
 * Public types of the inference API. No onnxruntime or tfjs here: an interface and its implementation live in
 * separate files (onnxruntime's JS API style).
 */
import type { ModelCard } from '../util/model-card.js';
import type { NpyDtype } from '../util/npy.js';

/** Every tensor element type onnxruntime-node can feed and fetch (string tensors excepted): the .npy dtypes. */
export type TensorDtype = NpyDtype;

/** The typed array that holds each dtype (float16 as raw IEEE half bits, bool as 0/1 bytes). */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  float16: Uint16Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
}

export type TensorData = TypedArrayOf[TensorDtype];

/** A model input or output: name, element type, and shape where a string or null is a dynamic axis. */
export interface TensorSpec {
  name: string;
  dtype: TensorDtype;
  shape: Array<number | string | null>;
}

/** A tensor returned by `predict`: row-major data with its shape. */
export interface OutputTensor {
  dtype: TensorDtype;
  shape: number[];
  data: TensorData;
}

/** Nested JS arrays of numbers, bigints or booleans (one level per axis). */
export type NestedArray = number | bigint | boolean | NestedArray[];

/** An explicit tensor: data (typed or flat array) with its shape; dtype defaults to the model's. */
export interface TensorLike {
  data: TensorData | ArrayLike<number | bigint | boolean>;
  shape: number[];
  dtype?: TensorDtype;
}

/** One input value: a typed array (shape inferred from the model), nested arrays, or a TensorLike. */
export type InputValue = TensorData | NestedArray[] | TensorLike;

/** Inputs to `predict`: one value for a single-input model, or a map from input name to value. */
export type PredictInputs = InputValue | Record<string, InputValue>;

export interface LoadModelOptions {
  /** onnxruntime execution providers in order of preference (default ['cpu']). */
  executionProviders?: string[];
  /** Threads onnxruntime may use inside one operator, per worker (default: cores / workers, at least 1). */
  intraOpThreads?: number;
  /** Worker threads that each hold a session (default 1). 0 runs the session on the calling thread. */
  workers?: number;
  /**
   * Calls whose measured run time is below this many milliseconds run on a session on the calling thread instead
   * of a worker, which saves the worker round trip (~0.1 ms); heavier calls, and calls of a size not measured yet,
   * go to a worker, so the event loop is never blocked for longer than this. 0 sends every call to a worker.
   * Default 2 (ignored with workers: 0): a call may hold the event loop for about 2 ms at most. A non-zero value
   * loads one more session on the calling thread (the model's memory once more).
   */
  inThreadBelowMs?: number;
}

export interface PredictOptions {
  /** Fetch only these outputs (default: all). */
  outputs?: string[];
}

/** One class with its score: the softmax probability, or the raw margin for a sign head. */
export interface ClassScore {
  index: number;
  label: string;
  /** Softmax probability (softmax head), or 1 for the chosen side of a sign head. */
  probability: number;
  /** The raw output value (logit or margin). */
  score: number;
}

/** The classes of one sample, best first. */
export interface Classification {
  top: ClassScore[];
}

export interface ClassifyOptions {
  /** How many classes to return per sample (default 5, at most the number of labels). */
  top?: number;
  /** Skip the card's scale/normalize (the input is already preprocessed). */
  raw?: boolean;
}

/** What `classify` accepts: an image (file path or encoded PNG/JPEG bytes) or inputs as for `predict`. */
export type ClassifyInput = string | Uint8Array | InputValue;

export interface InferenceModel {
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  /** The model card from model.json beside the model, or null for a bare ONNX file. */
  readonly card: ModelCard | null;
  /**
   * Runs the model.
   * @param inputs - One value for a single-input model, or `{ name: value }`.
   * @param options - Which outputs to fetch.
   */
  predict(inputs: PredictInputs, options?: PredictOptions): Promise<Record<string, OutputTensor>>;
  /**
   * Classifies samples with the card's preprocessing and head; returns one Classification per sample.
   * @param input - An image path or encoded bytes, or raw input values (see PredictInputs).
   * @param options - top-k and whether to skip preprocessing.
   */
  classify(input: ClassifyInput, options?: ClassifyOptions): Promise<Classification[]>;
  /** Releases the sessions and stops the workers. */
  close(): Promise<void>;
}
