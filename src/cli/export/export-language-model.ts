/**
 * Exports a causal language model (the zoo gpt) for serving and generation in Node, into one folder:
 * - model.onnx: input_ids int64 [batch, sequence] -> logits [batch, sequence, vocab] (the card in metadata_props);
 * - decoder_with_past.onnx: one decoding step with the KV cache (names in src/onnx/kv-cache.ts);
 * - generation.json (block size, vocabulary size), tokenizer.json (when the run has one), model.json (the card).
 * Both graphs are checked in onnxruntime-node against the TS model before anything is written.
 */
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import type { AnyModule } from '../../nn/module.js';
import { exportCausalLM, exportDecoderWithPast, type CachedCausalLM } from '../../onnx/kv-cache.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { MODEL_CARD_METADATA_KEY, type ModelCard } from '../../util/model-card.js';
import type { CharTokenizer } from '../../util/char-tokenizer.js';
import { createSession, releaseSession, runSession } from '../../inference/ort-session.js';
import { assertNoRandomOps } from './random-guard.js';

export interface LanguageModelExportOptions {
  /** The model's context length. */
  blockSize: number;
  /** The vocabulary size (the logits' last dimension). */
  vocabSize: number;
  /** The tokenizer saved with the run (written as tokenizer.json), or null. */
  tokenizer?: CharTokenizer | null;
  /**
   * Token ids to trace with, 2..blockSize-4 of them (the traces also run 1-2 tokens shorter, and with a past of 2-4
   * tokens). Default: min(8, blockSize - 4) ids 0, 1, 2, ... modulo the vocabulary.
   */
  exampleIds?: number[];
  /** The card's name, version, architecture and source. */
  card: Pick<ModelCard, 'name' | 'version' | 'architecture' | 'source'>;
}

/** What was written, and the largest |onnxruntime - TS| of the checks. */
export interface ExportedLanguageModel {
  dir: string;
  files: string[];
  card: ModelCard;
  maxAbsDiff: number;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** model.onnx at the example length and at the block size, and one cached step, against the TS logits. */
async function check(model: AnyModule & CachedCausalLM, full: Uint8Array, withPast: Uint8Array, ids: number[], blockSize: number): Promise<number> {
  const longest = Array.from({ length: blockSize }, (_, i) => ids[i % ids.length] as number);
  const tsLogits = (seq: number[]) => tf.tidy(() => (model as CachedCausalLM).forward(tf.tensor2d(Int32Array.from(seq), [1, seq.length], 'int32')).dataSync() as Float32Array);
  const feedIds = (seq: number[]) => ({ dtype: 'int64' as const, shape: [1, seq.length], data: BigInt64Array.from(seq, (v) => BigInt(v)) });
  let worst = 0;
  const note = (what: string, want: Float32Array, got: ArrayLike<number>) => {
    const diff = maxAbsDiff(want, got);
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (!(diff <= 1e-4 * Math.max(scale, 1e-6))) throw new Error(`twinml export: the ONNX ${what} differs from the TS model: max |onnxruntime - TS| = ${diff.toExponential(3)} (scale ${scale.toExponential(3)})`);
    worst = Math.max(worst, diff);
  };
  const a = await createSession(full, {});
  try {
    for (const seq of [ids, longest]) note(`logits at length ${seq.length}`, tsLogits(seq), (await runSession(a.session, { input_ids: feedIds(seq) })).logits!.data as Float32Array);
  } finally {
    await releaseSession(a.session);
  }
  const b = await createSession(withPast, {});
  try {
    const layers = b.inputs.filter((i) => i.name.startsWith('past_key_values.')).length / 2;
    const [heads, headDim] = [b.inputs[1]!.shape[1] as number, b.inputs[1]!.shape[3] as number];
    const empty = { dtype: 'float32' as const, shape: [1, heads, 0, headDim], data: new Float32Array(0) };
    const feeds: Record<string, { dtype: 'float32' | 'int64'; shape: number[]; data: Float32Array | BigInt64Array }> = { input_ids: feedIds(ids.slice(0, -1)) };
    for (let i = 0; i < layers; i++) feeds[`past_key_values.${i}.key`] = feeds[`past_key_values.${i}.value`] = empty;
    const first = await runSession(b.session, feeds);
    const step: typeof feeds = { input_ids: feedIds(ids.slice(-1)) };
    for (let i = 0; i < layers; i++) {
      step[`past_key_values.${i}.key`] = first[`present.${i}.key`] as typeof empty;
      step[`past_key_values.${i}.value`] = first[`present.${i}.value`] as typeof empty;
    }
    const last = (await runSession(b.session, step)).logits!.data as Float32Array;
    const want = tsLogits(ids);
    note('cached decoding step', want.subarray(want.length - last.length), last);
  } finally {
    await releaseSession(b.session);
  }
  return worst;
}

/**
 * Exports, checks and writes a language model folder (see the file comment).
 * @param model - the trained model (forward and forwardWithCache)
 * @param outDir - the folder to write (e.g. models/<name>/<version>)
 * @param options - block size, vocabulary, tokenizer, example ids, card fields
 */
export async function exportLanguageModel(model: AnyModule & CachedCausalLM, outDir: string, options: LanguageModelExportOptions): Promise<ExportedLanguageModel> {
  const { blockSize, vocabSize } = options;
  if (!Number.isInteger(blockSize) || blockSize < 6) throw new Error(`twinml export: a language model needs a block size of at least 6 to export with a KV cache, got ${blockSize}`);
  const ids = options.exampleIds ?? Array.from({ length: Math.min(8, blockSize - 4) }, (_, i) => i % vocabSize);
  if (ids.length < 2 || ids.length > blockSize - 4 || ids.some((v) => !Number.isInteger(v) || v < 0 || v >= vocabSize)) {
    throw new Error(`twinml export: exampleIds must be 2..${blockSize - 4} token ids in [0, ${vocabSize}), got [${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}]`);
  }
  const card: ModelCard = {
    ...options.card,
    task: 'raw',
    labels: [],
    input: { name: 'input_ids', shape: ['batch', 'sequence'], dtype: 'int64' },
    output: { name: 'logits', shape: ['batch', 'sequence', vocabSize], dtype: 'float32' },
    preprocessing: {},
  };
  const metadata = { [MODEL_CARD_METADATA_KEY]: JSON.stringify(card) };
  const example = tf.tensor2d(Int32Array.from(ids), [1, ids.length], 'int32');
  let full: Uint8Array;
  let withPast: Uint8Array;
  try {
    assertNoRandomOps(model, example); // dropout forced on would bake one sample into the graph
    full = exportCausalLM(model, { exampleIds: example, metadata });
    withPast = exportDecoderWithPast(model, { exampleIds: example, examplePastLength: 2, metadata });
  } finally {
    example.dispose();
  }
  const worst = await check(model, full, withPast, ids, blockSize);
  const files: Array<[string, Uint8Array | string]> = [
    ['model.onnx', full],
    ['decoder_with_past.onnx', withPast],
    ['generation.json', JSON.stringify({ blockSize, vocabSize, model: card.architecture.model }, null, 2) + '\n'],
    ...(options.tokenizer ? ([['tokenizer.json', JSON.stringify(options.tokenizer) + '\n']] as Array<[string, string]>) : []),
    ['model.json', JSON.stringify(card, null, 2) + '\n'],
  ];
  for (const [name, data] of files) writeFileAtomic(join(outDir, name), data);
  return { dir: outDir, files: files.map(([name]) => join(outDir, name)), card, maxAbsDiff: worst };
}
