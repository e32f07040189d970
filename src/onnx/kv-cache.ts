/**
 * Export of a causal language model for incremental decoding (the "decoder with past" of Hugging Face Optimum):
 *
 * - `model.onnx` (exportCausalLM): `input_ids` int64 [batch, sequence] -> `logits` float32 [batch, sequence, vocab];
 * - `decoder_with_past.onnx` (exportDecoderWithPast): `input_ids` int64 [batch, sequence] and, per layer i,
 *   `past_key_values.{i}.key` / `past_key_values.{i}.value` float32 [batch, n_head, past_sequence, head_dim] ->
 *   `logits` [batch, sequence, vocab] and `present.{i}.key` / `present.{i}.value`
 *   [batch, n_head, past_sequence + sequence, head_dim]. A past of length 0 is the prompt's first step.
 *
 * The model implements the zoo GPT's protocol: `forward(idx)` and `forwardWithCache(idx, past | null)`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyModule } from '../nn/module.js';
import { exportOnnx, type DynamicAxes } from './export.js';

/** One layer's cached attention keys and values, [batch, n_head, length, head_dim]. */
export interface LayerKV {
  key: tf.Tensor;
  value: tf.Tensor;
}

/** A causal LM that can decode with a KV cache (the zoo GPT). */
export interface CachedCausalLM {
  /** Logits [B, T, V] of int32 ids [B, T]. */
  forward(idx: tf.Tensor): tf.Tensor;
  /** Logits of the new ids [B, T] given the past keys/values of every layer (null: none), and the updated cache. */
  forwardWithCache(idx: tf.Tensor, past: LayerKV[] | null): { logits: tf.Tensor; present: LayerKV[] };
}

/** The graph input and output names of the decoder with past (Hugging Face Optimum's names). */
export const KV_CACHE_NAMES = {
  inputIds: 'input_ids',
  logits: 'logits',
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
} as const;

export interface CausalLMExportOptions {
  /** Example token ids, int32 [batch, sequence] (traced with these values; another length is made by repeating them). */
  exampleIds: tf.Tensor;
  /** Graph element type of input_ids (default 'int64', as torch.onnx.export and onnxruntime-genai use). */
  idsDtype?: 'int32' | 'int64';
  /** Stored in metadata_props. */
  metadata?: Record<string, string>;
}

export interface DecoderWithPastExportOptions extends CausalLMExportOptions {
  /** Length of the example past (the first tokens of exampleIds are run to make it; default 2). */
  examplePastLength?: number;
}

function checkIds(ids: tf.Tensor, where: string): void {
  if (ids.dtype !== 'int32' || ids.rank !== 2) throw new Error(`${where}: exampleIds must be int32 [batch, sequence], got ${ids.dtype} [${ids.shape.join(', ')}]`);
}

/**
 * `model.onnx` of a causal LM: input_ids [batch, sequence] -> logits [batch, sequence, vocab], both axes dynamic.
 * @param model - the model (a module with forward(idx))
 * @param options - example ids, ids dtype, metadata
 */
export function exportCausalLM(model: AnyModule, options: CausalLMExportOptions): Uint8Array {
  checkIds(options.exampleIds, 'exportCausalLM');
  return exportOnnx(model, {
    exampleInputs: { [KV_CACHE_NAMES.inputIds]: options.exampleIds },
    inputDtypes: { [KV_CACHE_NAMES.inputIds]: options.idsDtype ?? 'int64' },
    dynamicAxes: { [KV_CACHE_NAMES.inputIds]: { 0: 'batch', 1: 'sequence' } },
    outputName: KV_CACHE_NAMES.logits,
    metadata: options.metadata,
  });
}

/**
 * `decoder_with_past.onnx`: one decoding step with the KV cache as graph inputs and outputs (names in KV_CACHE_NAMES).
 * @param model - the model (a module implementing forwardWithCache)
 * @param options - example ids, example past length, ids dtype, metadata
 */
export function exportDecoderWithPast(model: AnyModule & CachedCausalLM, options: DecoderWithPastExportOptions): Uint8Array {
  const ids = options.exampleIds;
  checkIds(ids, 'exportDecoderWithPast');
  const pastLength = options.examplePastLength ?? 2;
  if (!Number.isInteger(pastLength) || pastLength < 1) throw new Error(`exportDecoderWithPast: examplePastLength must be a positive integer, got ${pastLength}`);
  if (typeof (model as Partial<CachedCausalLM>).forwardWithCache !== 'function') {
    throw new Error(`exportDecoderWithPast: ${model.typeName} has no forwardWithCache(idx, past) method (see CachedCausalLM)`);
  }
  const training = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  // The example past is the model's own cache of the example's first tokens: real values, as a decode would see.
  const past = tf.tidy((): tf.TensorContainer => {
    const prefix = tf.slice(tf.concat(Array.from({ length: Math.ceil(pastLength / (ids.shape[1] as number)) }, () => ids), 1), [0, 0], [-1, pastLength]);
    return model.forwardWithCache(prefix, null).present.map((kv) => [kv.key, kv.value]);
  }) as unknown as Array<[tf.Tensor, tf.Tensor]>;
  for (const [m, t] of training) m.training = t;
  const layers = past.length;
  if (layers === 0) throw new Error(`exportDecoderWithPast: ${model.typeName}.forwardWithCache returned no present keys/values`);
  const exampleInputs: Record<string, tf.Tensor> = { [KV_CACHE_NAMES.inputIds]: ids };
  const dynamicAxes: DynamicAxes = { [KV_CACHE_NAMES.inputIds]: { 0: 'batch', 1: 'sequence' } };
  past.forEach(([key, value], i) => {
    exampleInputs[KV_CACHE_NAMES.pastKey(i)] = key;
    exampleInputs[KV_CACHE_NAMES.pastValue(i)] = value;
    dynamicAxes[KV_CACHE_NAMES.pastKey(i)] = { 0: 'batch', 2: 'past_sequence' };
    dynamicAxes[KV_CACHE_NAMES.pastValue(i)] = { 0: 'batch', 2: 'past_sequence' };
  });
  try {
    return exportOnnx(model, {
      exampleInputs,
      inputDtypes: { [KV_CACHE_NAMES.inputIds]: options.idsDtype ?? 'int64' },
      dynamicAxes,
      forward: (idx: tf.Tensor, ...kv: tf.Tensor[]) => {
        const pairs = Array.from({ length: layers }, (_, i) => ({ key: kv[2 * i] as tf.Tensor, value: kv[2 * i + 1] as tf.Tensor }));
        const { logits, present } = model.forwardWithCache(idx, pairs);
        if (present.length !== layers) throw new Error(`forwardWithCache returned ${present.length} present layers for ${layers} past layers`);
        const out: Record<string, tf.Tensor> = { [KV_CACHE_NAMES.logits]: logits };
        present.forEach((p, i) => {
          out[KV_CACHE_NAMES.presentKey(i)] = p.key;
          out[KV_CACHE_NAMES.presentValue(i)] = p.value;
        });
        return out;
      },
      metadata: options.metadata,
    });
  } finally {
    for (const [key, value] of past) {
      key.dispose();
      value.dispose();
    }
  }
}
