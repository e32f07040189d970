/**
 * Export + validation + writing, shared by `twinml export` and the end of `twinml train`: the model goes to ONNX
 * with its card in metadata_props, is checked in onnxruntime-node against the TS forward at batch sizes 1 and 7,
 * and only then model.onnx + model.json are written.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Module } from '../../nn/module.js';
import { exportOnnx } from '../../onnx/export.js';
import { validateOnnxExport, type ValidationReport } from '../../onnx/validate.js';
import { openOnnxSession } from '../../inference/onnx-runner.js';
import { writeDirAtomic, writeFileAtomic } from '../../io/atomic-write.js';
import { MODEL_CARD_METADATA_KEY, type ModelCard } from '../../util/model-card.js';
import { buildModelCard } from './model-card.js';
import type { RunConfigForExport } from './run-config.js';

const require = createRequire(import.meta.url);
const TWINML_VERSION = (require('../../../package.json') as { version: string }).version;

export const ARTIFACT_FILES = ['model.onnx', 'model.json'] as const;

export interface ExportModelOptions {
  model: Module;
  config: RunConfigForExport;
  /** Folder receiving model.onnx and model.json. */
  outDir: string;
  /** Card name (default: the folder above a numeric version folder, else `<dataset>-<model>`). */
  name: string;
  version: string;
  runDir?: string;
}

export interface ExportModelResult {
  card: ModelCard;
  validation: ValidationReport;
  bytes: number;
}

/** Output dims after the batch, from one TS forward on zeros. */
function outputSample(model: Module, sample: number[]): number[] {
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    return tf.tidy(() => model.call(tf.zeros([1, ...sample])).shape.slice(1));
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/** Writes both files in one rename when the folder holds nothing else; otherwise each file atomically. */
function writeArtifacts(outDir: string, onnx: Uint8Array, cardJson: string): void {
  const onlyOurs = !existsSync(outDir) || readdirSync(outDir).every((f) => (ARTIFACT_FILES as readonly string[]).includes(f));
  if (onlyOurs) {
    writeDirAtomic(outDir, (tmp) => {
      writeFileSync(join(tmp, 'model.onnx'), onnx);
      writeFileSync(join(tmp, 'model.json'), cardJson);
    });
  } else {
    writeFileAtomic(join(outDir, 'model.onnx'), onnx);
    writeFileAtomic(join(outDir, 'model.json'), cardJson);
  }
}

/**
 * Exports, validates and writes one model.
 * @param options - the model with its weights loaded, the run config, where to write, name and version
 */
export async function exportModelToDir(options: ExportModelOptions): Promise<ExportModelResult> {
  const { model, config } = options;
  const inputShape = [1, ...config.sampleShape];
  const card = buildModelCard(config, {
    name: options.name,
    version: options.version,
    inputName: 'input',
    outputName: 'output',
    outputSample: outputSample(model, config.sampleShape),
    runDir: options.runDir,
    twinmlVersion: TWINML_VERSION,
  });
  const cardJson = JSON.stringify(card, null, 2) + '\n';
  const onnx = exportOnnx(model, {
    inputShape,
    inputName: card.input.name,
    outputName: card.output.name,
    dynamicBatch: true,
    opset: 17,
    metadata: { [MODEL_CARD_METADATA_KEY]: JSON.stringify(card) },
    docString: `twinml ${config.model} exported from ${options.runDir ?? 'memory'}`,
  });
  const session = await openOnnxSession(onnx);
  let validation: ValidationReport;
  try {
    validation = await validateOnnxExport(model, session, { inputShape, inputName: card.input.name, outputName: card.output.name });
  } finally {
    await session.close();
  }
  writeArtifacts(options.outDir, onnx, cardJson);
  return { card, validation, bytes: onnx.length };
}
