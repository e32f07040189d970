/**
 * `twinml export --ts ./net.ts#Net --weights w.safetensors --input 1x1x28x28 --out models/net/1 --labels …`
 * (or `--task regression|raw`, no labels): a user's model, with every output of a several-output forward named, (TS mirror + weights trained anywhere, PyTorch included) to model.onnx + model card,
 * refusing random ops and checked in onnxruntime-node against the TS model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useBackend } from '../../backend/index.js';
import type { Module } from '../../nn/module.js';
import { exportOnnx } from '../../onnx/index.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { loadTorchWeights } from '../../bridge/torch-weights.js';
import { MODEL_CARD_METADATA_KEY, MODEL_TASKS, type ModelCard, type ModelTask, type TensorSpecCard } from '../../util/model-card.js';
import { flattenOutputs, resolveOutputNames } from '../../onnx/outputs.js';
import { parseInputSpec } from '../../parity/pair/input-spec.js';
import { loadTsModel, parseModelRef, type ModelArgs } from '../../parity/pair/load-ts-model.js';
import { assertNoRandomOps } from './random-guard.js';
import { parseDynamicAxes, readExampleInput, validateWithExample } from './example-input.js';
import { validateExport, type ExportCheck } from './validate.js';
import type { ExportedModel } from './export-model.js';

/** Options of a user-model export. */
export interface UserExportOptions {
  /** `./net.ts#Net`. */
  ts: string;
  /** Constructor arguments (JSON array: positional; object: one options argument). */
  modelArgs?: ModelArgs;
  /** `.safetensors`, `.pt` or `.pth` (default: keep the freshly initialised weights). */
  weights?: string;
  /** `1x1x28x28`: the input with a batch dimension (exported as a dynamic batch). */
  input: string;
  out: string;
  /**
   * What the outputs mean: 'classification' (the first output is [batch, classes] logits, needs labels),
   * 'regression' (values) or 'raw' (tensors passed through untouched).
   */
  task: ModelTask;
  /** Class names (classification only). */
  labels?: string[];
  /** Graph output names when forward returns several tensors (default: object keys, or output_0, output_1, ...). */
  outputNames?: string[];
  /** The example input to trace with (.json nested numbers or .npy, the --input shape); needed for int64 token ids. */
  example?: string;
  /** Dynamic axes besides the batch, `1:sequence[,2:name]`. */
  dynamicAxes?: string;
  name?: string;
  version?: string;
}

/**
 * Exports a user's TS model to `out/model.onnx` + `out/model.json`.
 * @param o - the model, its weights, input, task and labels
 */
export async function exportUserModel(o: UserExportOptions): Promise<ExportedModel> {
  const spec = parseInputSpec(o.input);
  if (spec.dtype === 'int64' && !o.example) throw new Error(`--input ${o.input}: an int64 input (token ids) needs --example <ids.json|ids.npy> holding ids the model accepts`);
  const axes = parseDynamicAxes(o.dynamicAxes, spec.shape.length);
  if (!MODEL_TASKS.includes(o.task)) throw new Error(`--task: must be one of ${MODEL_TASKS.join(', ')}, got "${String(o.task)}"`);
  const labels = o.labels ?? [];
  if (o.task === 'classification' && labels.length === 0) throw new Error('--labels: a classification export needs the class names, e.g. --labels 0,1,2,3,4,5,6,7,8,9');
  if (o.task !== 'classification' && labels.length > 0) throw new Error(`--labels: a ${o.task} export has no classes; drop --labels or use --task classification`);
  await useBackend('cpu');
  const ref = parseModelRef(o.ts, '#', '--ts');
  const model = await loadTsModel<Module>(ref, o.modelArgs);
  const example = o.example ? readExampleInput(o.example, spec) : null;
  try {
    if (o.weights) await loadTorchWeights(model, o.weights);
    const sampleShape = spec.shape.slice(1);
    const probe = example ?? tf.randomNormal([2, ...sampleShape], 0, 1, 'float32', 7);
    let probed: Array<{ key: string | null; shape: number[] }> = [];
    // Output dimensions that change when a dynamic axis does carry its name in the card.
    const dynamicOut = new Map<string, string>();
    try {
      assertNoRandomOps(model, probe);
      tf.tidy(() => {
        model.eval();
        const shapesAt = (x: tf.Tensor) => flattenOutputs(model.call(x) as unknown, `${ref.file}#${ref.name}`).map((f) => ({ key: f.key, shape: [...f.tensor.shape] }));
        probed = shapesAt(probe);
        for (const [dim, name] of Object.entries(axes)) {
          const d = Number(dim);
          if (d === 0 || (probe.shape[d] as number) < 2) continue;
          const shorter = shapesAt(tf.slice(probe, probe.shape.map(() => 0), probe.shape.map((n, i) => (i === d ? n - 1 : n))));
          shorter.forEach((s, k) => s.shape.forEach((n, j) => {
            if (n !== probed[k]!.shape[j]) dynamicOut.set(`${k}:${j}`, name);
          }));
        }
      });
    } finally {
      if (!example) probe.dispose();
    }
    const outputNames = resolveOutputNames(probed.map((p) => p.key), { outputNames: o.outputNames });
    const outputs: TensorSpecCard[] = probed.map((p, i) => ({ name: outputNames[i]!, shape: ['batch', ...p.shape.slice(1).map((n, j) => dynamicOut.get(`${i}:${j + 1}`) ?? n)], dtype: 'float32' }));
    const first = probed[0]!.shape;
    if (o.task === 'classification' && (first.length !== 2 || first[1] !== labels.length)) {
      throw new Error(`--labels: ${labels.length} labels, but the model's output ${outputNames[0]} has shape [${first.join(', ')}] (expected [batch, ${labels.length}])`);
    }
    const card: ModelCard = {
      name: o.name ?? ref.name.toLowerCase(),
      version: o.version,
      task: o.task,
      ...(o.task === 'classification' ? { head: 'softmax' as const } : {}),
      labels,
      input: { name: 'input', shape: spec.shape.map((n, d) => axes[d] ?? n), dtype: spec.dtype },
      output: outputs[0]!,
      ...(outputs.length > 1 ? { outputs } : {}),
      // The model takes its input as given (no image decoding defaults): send tensors the model was trained on.
      preprocessing: { scale: 1 },
      architecture: { model: `${ref.file}#${ref.name}`, config: { args: (o.modelArgs ?? null) as unknown } as Record<string, unknown> },
      source: { ...(o.weights ? { run: resolve(o.weights) } : {}), createdAt: new Date().toISOString(), twinmlVersion: '' },
    };
    const bytes = exportOnnx(model, {
      ...(example ? { exampleInputs: { input: example }, inputDtypes: { input: spec.dtype } } : { inputShape: spec.shape, inputName: 'input' }),
      dynamicAxes: { input: axes },
      outputNames,
      metadata: { [MODEL_CARD_METADATA_KEY]: JSON.stringify(card) },
      docString: `twinml export of ${ref.name} (${ref.file})`,
    });
    const dynamicDims = Object.keys(axes).map(Number);
    const checks: ExportCheck[] =
      example || dynamicDims.length > 1 ? await validateWithExampleOrRandom(bytes, model, example, spec, dynamicDims) : await validateExport(bytes, model, sampleShape);
    mkdirSync(o.out, { recursive: true });
    const onnxPath = join(o.out, 'model.onnx');
    const cardPath = join(o.out, 'model.json');
    writeFileAtomic(onnxPath, bytes);
    writeFileAtomic(cardPath, JSON.stringify(card, null, 2) + '\n');
    return { onnxPath, cardPath, card, checks };
  } finally {
    example?.dispose();
    model.dispose();
  }
}

/** The check at the example (or a seeded random input of the --input shape) and one shorter along each dynamic axis. */
async function validateWithExampleOrRandom(bytes: Uint8Array, model: Module, example: tf.Tensor | null, spec: ReturnType<typeof parseInputSpec>, dims: number[]): Promise<ExportCheck[]> {
  const x = example ?? tf.randomNormal(spec.shape, 0, 1, 'float32', 11);
  try {
    return await validateWithExample(bytes, model, x, spec, dims);
  } finally {
    if (!example) x.dispose();
  }
}
