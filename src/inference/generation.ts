/**
 * Text generation on onnxruntime-node with the KV cache: `loadLanguageModel(dir)` loads `decoder_with_past.onnx`
 * (see src/onnx/kv-cache.ts for its inputs and outputs), `tokenizer.json` and `generation.json` when present, and
 * `model.generate(promptIds, options)` streams the new token ids as an async iterator. The prompt runs once with an
 * empty past; every further step feeds one token and the previous step's present keys/values. Sampling is the
 * shared tfjs-free sampler (src/util/sampling.ts), so the same seed gives the TS model's tokens.
 *
 * Like nanoGPT's generate, the context is cropped to the last `blockSize` tokens: once the sequence is longer than
 * the block, each step recomputes the cropped window (the positions shift, so the cache cannot be reused).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CharTokenizer } from '../util/char-tokenizer.js';
import { SamplingRng, sampleNextToken } from '../util/sampling.js';
import { createSession, releaseSession, runSession, type LoadedSession } from './ort-session.js';
import type { FeedTensor } from './tensor-input.js';
import type { GenerateOptions, GenerationConfig, LanguageModel, LoadLanguageModelOptions } from './generation-types.js';

/** The decoder file name inside a language-model folder. */
export const DECODER_WITH_PAST_FILE = 'decoder_with_past.onnx';
/** The generation settings file (block size, vocabulary size) beside the decoder. */
export const GENERATION_CONFIG_FILE = 'generation.json';
/** The tokenizer file beside the decoder. */
export const TOKENIZER_FILE = 'tokenizer.json';

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

interface CacheLayout {
  layers: number;
  /** [n_head, head_dim] of every past tensor. */
  heads: number;
  headDim: number;
  idsDtype: 'int32' | 'int64';
  vocab: number | null;
}

function layoutOf(loaded: LoadedSession, source: string): CacheLayout {
  const ids = loaded.inputs.find((i) => i.name === 'input_ids');
  if (!ids || (ids.dtype !== 'int64' && ids.dtype !== 'int32')) {
    throw new Error(`${source}: not a decoder with past: it needs an int64 or int32 input "input_ids" (inputs: ${loaded.inputs.map((i) => i.name).join(', ')})`);
  }
  const past = loaded.inputs.filter((i) => PAST.test(i.name));
  const layers = past.length / 2;
  if (past.length === 0 || !Number.isInteger(layers)) throw new Error(`${source}: not a decoder with past: no past_key_values.{i}.key/value inputs`);
  const first = past[0]!;
  const heads = first.shape[1];
  const headDim = first.shape[3];
  if (typeof heads !== 'number' || typeof headDim !== 'number') throw new Error(`${source}: ${first.name} must have a fixed n_head and head_dim, got [${first.shape.join(', ')}]`);
  for (let i = 0; i < layers; i++) {
    for (const name of [`present.${i}.key`, `present.${i}.value`]) {
      if (!loaded.outputs.some((o) => o.name === name)) throw new Error(`${source}: output "${name}" is missing (outputs: ${loaded.outputs.map((o) => o.name).join(', ')})`);
    }
  }
  const logits = loaded.outputs.find((o) => o.name === 'logits');
  if (!logits) throw new Error(`${source}: output "logits" is missing`);
  const vocab = logits.shape[2];
  return { layers, heads, headDim, idsDtype: ids.dtype, vocab: typeof vocab === 'number' ? vocab : null };
}

function readConfig(dir: string): GenerationConfig {
  const file = join(dir, GENERATION_CONFIG_FILE);
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not JSON: ${(e as Error).message}`);
  }
  const c = json as GenerationConfig | null;
  if (c === null || typeof c !== 'object') throw new Error(`${file}: expected a JSON object`);
  if (c.blockSize !== undefined && !(Number.isInteger(c.blockSize) && c.blockSize > 0)) throw new Error(`${file}: field "blockSize" must be a positive integer, got ${JSON.stringify(c.blockSize)}`);
  return c;
}

function checkOptions(options: GenerateOptions): Required<Pick<GenerateOptions, 'maxNewTokens' | 'seed'>> {
  const { maxNewTokens } = options;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new Error(`generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`generate: seed must be an integer, got ${seed}`);
  return { maxNewTokens, seed };
}

class OnnxLanguageModel implements LanguageModel {
  constructor(
    private readonly loaded: LoadedSession,
    private readonly layout: CacheLayout,
    readonly tokenizer: CharTokenizer | null,
    readonly blockSize: number | null,
  ) {}

  get vocabSize(): number | null {
    return this.layout.vocab ?? this.tokenizer?.vocabSize ?? null;
  }

  get numLayers(): number {
    return this.layout.layers;
  }

  private idsFeed(ids: number[]): FeedTensor {
    const data = this.layout.idsDtype === 'int64' ? BigInt64Array.from(ids, (v) => BigInt(v)) : Int32Array.from(ids);
    return { dtype: this.layout.idsDtype, shape: [1, ids.length], data };
  }

  private emptyPast(): Record<string, FeedTensor> {
    const feeds: Record<string, FeedTensor> = {};
    const empty: FeedTensor = { dtype: 'float32', shape: [1, this.layout.heads, 0, this.layout.headDim], data: new Float32Array(0) };
    for (let i = 0; i < this.layout.layers; i++) {
      feeds[`past_key_values.${i}.key`] = empty;
      feeds[`past_key_values.${i}.value`] = empty;
    }
    return feeds;
  }

  private checkIds(promptIds: ArrayLike<number>): number[] {
    const ids = Array.from(promptIds, Number);
    if (ids.length === 0) throw new Error('generate: the prompt is empty; give at least one token id');
    const vocab = this.vocabSize;
    const bad = ids.findIndex((v) => !Number.isInteger(v) || v < 0 || (vocab !== null && v >= vocab));
    if (bad >= 0) throw new Error(`generate: prompt token ${bad} is ${ids[bad]}, outside the vocabulary [0, ${vocab ?? '?'})`);
    return ids;
  }

  async *generate(promptIds: ArrayLike<number>, options: GenerateOptions): AsyncGenerator<number, void, undefined> {
    const { maxNewTokens, seed } = checkOptions(options);
    const sampling = { temperature: options.temperature, topK: options.topK };
    const rng = new SamplingRng(seed);
    const block = this.blockSize;
    const sequence = this.checkIds(promptIds);
    let past: Record<string, FeedTensor> | null = null;
    let pending = block ? sequence.slice(-block) : sequence;
    for (let n = 0; n < maxNewTokens; n++) {
      if (options.signal?.aborted) return;
      const cached = past !== null;
      const feeds: Record<string, FeedTensor> = { input_ids: this.idsFeed(pending), ...(past ?? this.emptyPast()) };
      const out = await runSession(this.loaded.session, feeds);
      const logits = out.logits!;
      const [, t, v] = logits.shape as [number, number, number];
      const last = (logits.data as Float32Array).subarray((t - 1) * v, t * v);
      const token = sampleNextToken(last, sampling, rng);
      sequence.push(token);
      const length = (cached ? (past!['past_key_values.0.key']!.shape[2] as number) : 0) + t;
      if (block !== null && length + 1 > block) {
        // The next window is shifted: recompute it without the cache (nanoGPT's idx[:, -block_size:]).
        past = null;
        pending = sequence.slice(-block);
      } else {
        past = {};
        for (let i = 0; i < this.layout.layers; i++) {
          past[`past_key_values.${i}.key`] = out[`present.${i}.key`]!;
          past[`past_key_values.${i}.value`] = out[`present.${i}.value`]!;
        }
        pending = [token];
      }
      if (options.signal?.aborted) return;
      yield token;
    }
  }

  async generateAll(promptIds: ArrayLike<number>, options: GenerateOptions): Promise<number[]> {
    const tokens: number[] = [];
    for await (const token of this.generate(promptIds, options)) tokens.push(token);
    return tokens;
  }

  close(): Promise<void> {
    return releaseSession(this.loaded.session);
  }
}

/**
 * Loads a language model exported with a KV cache (`twinml export` of a gpt run, or exportDecoderWithPast).
 * @param source - a folder holding decoder_with_past.onnx (and tokenizer.json / generation.json), or the .onnx file
 * @param options - block size override, onnxruntime threads and execution providers
 */
export async function loadLanguageModel(source: string, options: LoadLanguageModelOptions = {}): Promise<LanguageModel> {
  if (!existsSync(source)) throw new Error(`loadLanguageModel: ${source} does not exist`);
  const dir = statSync(source).isDirectory() ? source : join(source, '..');
  const file = statSync(source).isDirectory() ? join(source, DECODER_WITH_PAST_FILE) : source;
  if (!existsSync(file)) throw new Error(`loadLanguageModel: ${file} does not exist (export the model with a KV cache: twinml export of a gpt run writes it)`);
  const config = readConfig(dir);
  const tokenizerFile = join(dir, TOKENIZER_FILE);
  const tokenizer = existsSync(tokenizerFile) ? CharTokenizer.load(tokenizerFile) : null;
  const blockSize = options.blockSize ?? config.blockSize ?? null;
  const loaded = await createSession(readFileSync(file), { executionProviders: options.executionProviders, intraOpThreads: options.intraOpThreads });
  try {
    return new OnnxLanguageModel(loaded, layoutOf(loaded, file), tokenizer, blockSize);
  } catch (e) {
    await releaseSession(loaded.session);
    throw e;
  }
}
