/**
 * The model card: what a consumer of an exported model needs to use it correctly. Written beside the model as
 * `model.json` and into the ONNX file's `metadata_props` (key `twinml.model_card`, the JSON of this object).
 * No tfjs or onnxruntime here: training, export and inference all share it.
 */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** The evaluation transform inference must reproduce, applied in this order. */
export interface Preprocessing {
  /** Convert to this many channels (1 = grayscale, 3 = RGB) when decoding images. */
  channels?: number;
  /** Resize images to [height, width]. */
  resize?: [number, number];
  /** Center-crop to [height, width] after resizing. */
  centerCrop?: [number, number];
  /** Multiply raw values by this first (1/255 for 8-bit images; 1 when inputs are already in [0, 1]). */
  scale?: number;
  /** Then (x - mean[c]) / std[c] per channel. */
  normalize?: Normalization;
}

export interface TensorSpecCard {
  name: string;
  /** Dimensions; a string is a dynamic axis (for example "batch"). */
  shape: Array<number | string>;
  dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';
}

/** What a model needs beside its weights to be served: labels, input name/shape/dtype, preprocessing, source run. */
export interface ModelCard {
  /** Model name, e.g. "mnist-mlp". */
  name: string;
  version?: string;
  /**
   * What the outputs mean (absent = 'classification', cards written before tasks existed):
   * 'classification' reads the output through `head` and `labels`; 'regression' outputs are values; 'raw' outputs
   * are tensors passed through untouched. Only a classification card can `classify`; every task can `predict`.
   */
  task?: ModelTask;
  /** How to read a classification output: softmax over logits, or the sign of one score (Adaline). Only for classification. */
  head?: 'softmax' | 'sign';
  /** Class names, index = class id (empty for regression and raw). */
  labels: string[];
  input: TensorSpecCard;
  /** The first (or only) output. */
  output: TensorSpecCard;
  /** Every graph output in order, when the model has several (output = outputs[0]). */
  outputs?: TensorSpecCard[];
  preprocessing: Preprocessing;
  /** The zoo model and its configuration. */
  architecture: { model: string; config: Record<string, unknown> };
  /** Where the weights came from. */
  source: { run?: string; dataset?: string; seed?: number; createdAt: string; twinmlVersion: string };
}

/** What a model's outputs mean. */
export type ModelTask = 'classification' | 'regression' | 'raw';
/** Every task a card can state. */
export const MODEL_TASKS: readonly ModelTask[] = ['classification', 'regression', 'raw'];

/** The card's task ('classification' when the card predates tasks). */
export function taskOf(card: Pick<ModelCard, 'task'>): ModelTask {
  return card.task ?? 'classification';
}

export const MODEL_CARD_METADATA_KEY = 'twinml.model_card';

/** Checks the fields a consumer relies on; throws naming the first bad field. */
export function validateModelCard(card: unknown, where: string): ModelCard {
  const c = card as Partial<ModelCard>;
  const fail = (field: string, why: string) => {
    throw new Error(`${where}: model card field "${field}" ${why}`);
  };
  if (!c || typeof c !== 'object') fail('(root)', 'is not an object');
  if (typeof c.name !== 'string') fail('name', 'must be a string');
  if (c.task !== undefined && !MODEL_TASKS.includes(c.task)) fail('task', `must be one of ${MODEL_TASKS.map((t) => `"${t}"`).join(', ')}, got ${JSON.stringify(c.task)}`);
  const task = c.task ?? 'classification';
  if (task === 'classification' && c.head !== 'softmax' && c.head !== 'sign') fail('head', 'must be "softmax" or "sign" (task "classification")');
  if (task !== 'classification' && c.head !== undefined) fail('head', `must be absent for task "${task}" (outputs are not classes)`);
  if (!Array.isArray(c.labels) || c.labels.some((l) => typeof l !== 'string')) fail('labels', 'must be an array of strings');
  if (!c.input || typeof c.input.name !== 'string' || !Array.isArray(c.input.shape)) fail('input', 'must have a name and a shape');
  if (!c.output || typeof c.output.name !== 'string') fail('output', 'must have a name');
  if (c.outputs !== undefined && (!Array.isArray(c.outputs) || c.outputs.some((o) => !o || typeof o.name !== 'string'))) fail('outputs', 'must be a list of outputs, each with a name');
  if (!c.preprocessing || typeof c.preprocessing !== 'object') fail('preprocessing', 'must be an object');
  return c as ModelCard;
}
