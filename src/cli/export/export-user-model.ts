/**
 * `twinml export --ts ./net.ts#Net --weights w.safetensors --input 1x1x28x28 --out models/net/1 --labels …`:
 * a user's model (TS mirror + weights trained anywhere, PyTorch included) to model.onnx + model card,
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
import { MODEL_CARD_METADATA_KEY, type ModelCard } from '../../util/model-card.js';
import { parseInputSpec } from '../../parity/pair/input-spec.js';
import { loadTsModel, parseModelRef, type ModelArgs } from '../../parity/pair/load-ts-model.js';
import { assertNoRandomOps } from './random-guard.js';
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
  /** What the output means; only 'classification' (with labels) is served today. */
  task: 'classification';
  labels: string[];
  name?: string;
  version?: string;
}

/**
 * Exports a user's TS model to `out/model.onnx` + `out/model.json`.
 * @param o - the model, its weights, input, task and labels
 */
export async function exportUserModel(o: UserExportOptions): Promise<ExportedModel> {
  const spec = parseInputSpec(o.input);
  if (spec.dtype !== 'float32') throw new Error(`--input ${o.input}: only float32 inputs export today`);
  if (o.labels.length === 0) throw new Error('--labels: a classification export needs the class names, e.g. --labels 0,1,2,3,4,5,6,7,8,9');
  await useBackend('cpu');
  const ref = parseModelRef(o.ts, '#', '--ts');
  const model = await loadTsModel<Module>(ref, o.modelArgs);
  try {
    if (o.weights) await loadTorchWeights(model, o.weights);
    const sampleShape = spec.shape.slice(1);
    const probe = tf.randomNormal([2, ...sampleShape], 0, 1, 'float32', 7);
    let outputShape: number[];
    try {
      assertNoRandomOps(model, probe);
      outputShape = tf.tidy(() => {
        model.eval();
        return model.call(probe).shape;
      });
    } finally {
      probe.dispose();
    }
    if (outputShape.length !== 2 || outputShape[1] !== o.labels.length) {
      throw new Error(`--labels: ${o.labels.length} labels, but the model's output has shape [${outputShape.join(', ')}] (expected [batch, ${o.labels.length}])`);
    }
    const card: ModelCard = {
      name: o.name ?? ref.name.toLowerCase(),
      version: o.version,
      head: 'softmax',
      labels: o.labels,
      input: { name: 'input', shape: ['batch', ...sampleShape], dtype: 'float32' },
      output: { name: 'output', shape: ['batch', o.labels.length], dtype: 'float32' },
      // The model takes its input as given (no image decoding defaults): send tensors the model was trained on.
      preprocessing: { scale: 1 },
      architecture: { model: `${ref.file}#${ref.name}`, config: { args: (o.modelArgs ?? null) as unknown } as Record<string, unknown> },
      source: { ...(o.weights ? { run: resolve(o.weights) } : {}), createdAt: new Date().toISOString(), twinmlVersion: '' },
    };
    const bytes = exportOnnx(model, {
      inputShape: spec.shape,
      inputName: 'input',
      outputName: 'output',
      metadata: { [MODEL_CARD_METADATA_KEY]: JSON.stringify(card) },
      docString: `twinml export of ${ref.name} (${ref.file})`,
    });
    const checks: ExportCheck[] = await validateExport(bytes, model, sampleShape);
    mkdirSync(o.out, { recursive: true });
    const onnxPath = join(o.out, 'model.onnx');
    const cardPath = join(o.out, 'model.json');
    writeFileAtomic(onnxPath, bytes);
    writeFileAtomic(cardPath, JSON.stringify(card, null, 2) + '\n');
    return { onnxPath, cardPath, card, checks };
  } finally {
    model.dispose();
  }
}
