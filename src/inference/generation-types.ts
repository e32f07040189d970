/** Public types of text generation in twinml/inference (the implementation is generation.ts). No tfjs. */
import type { CharTokenizer } from '../util/char-tokenizer.js';

/** How `generate` samples. */
export interface GenerateOptions {
  /** How many tokens to generate. */
  maxNewTokens: number;
  /** Divides the logits before the softmax; 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (null/0 = all). Default: all. */
  topK?: number | null;
  /** Seed of the sampler (default 0); equal seeds give equal tokens, on ONNX and on the TS model. */
  seed?: number;
  /** Stops the generation when aborted (no further model run starts; the iterator ends). */
  signal?: AbortSignal;
}

/** generation.json beside decoder_with_past.onnx. */
export interface GenerationConfig {
  /** The model's context length: longer contexts are cropped to the last blockSize tokens. */
  blockSize?: number;
  /** The model's vocabulary size. */
  vocabSize?: number;
  /** The zoo model it came from, e.g. "gpt". */
  model?: string;
}

export interface LoadLanguageModelOptions {
  /** Context length (default: generation.json's blockSize; none: never cropped). */
  blockSize?: number;
  /** Threads onnxruntime may use inside one operator. */
  intraOpThreads?: number;
  /** onnxruntime execution providers in order of preference (default ['cpu']). */
  executionProviders?: string[];
}

/** A causal language model on onnxruntime-node with a KV cache. */
export interface LanguageModel {
  /** The tokenizer saved with the model (tokenizer.json), or null. */
  readonly tokenizer: CharTokenizer | null;
  /** The context length, or null when unknown (never cropped). */
  readonly blockSize: number | null;
  /** Vocabulary size (from the logits' shape or the tokenizer), or null when unknown. */
  readonly vocabSize: number | null;
  /** Number of transformer layers (cached key/value pairs). */
  readonly numLayers: number;
  /**
   * Streams new token ids, one per model step; stop early with `break`, or with options.signal.
   * @param promptIds - the prompt's token ids (at least one)
   * @param options - maxNewTokens, temperature, topK, seed, signal
   */
  generate(promptIds: ArrayLike<number>, options: GenerateOptions): AsyncGenerator<number, void, undefined>;
  /**
   * All new token ids of `generate`, collected.
   * @param promptIds - the prompt's token ids (at least one)
   * @param options - maxNewTokens, temperature, topK, seed, signal
   */
  generateAll(promptIds: ArrayLike<number>, options: GenerateOptions): Promise<number[]>;
  /** Releases the onnxruntime session. */
  close(): Promise<void>;
}
