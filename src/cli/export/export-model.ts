/** Exports a trained zoo model: model.onnx (card in metadata_props) + model.json, checked with onnxruntime first. */
import { join } from 'node:path';
import type { Module } from '../../nn/module.js';
import { exportOnnx } from '../../onnx/index.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { MODEL_CARD_METADATA_KEY, type ModelCard } from '../../util/model-card.js';
import type { ResolvedTrainConfig } from '../train/run.js';
import { cardFromConfig } from './model-card.js';
import { validateExport, type ExportCheck } from './validate.js';

export interface ExportedModel {
  onnxPath: string;
  cardPath: string;
  card: ModelCard;
  checks: ExportCheck[];
}

/**
 * @param model - the trained module
 * @param config - the run's resolved config (labels, sample shape, normalisation, source)
 * @param outDir - where model.onnx and model.json go
 */
export async function exportTrainedModel(model: Module, config: ResolvedTrainConfig, outDir: string, options: { name?: string; version?: string } = {}): Promise<ExportedModel> {
  const outputDim = config.head === 'sign' ? 1 : config.labels.length;
  const card = cardFromConfig(config, outputDim, options);
  const bytes = exportOnnx(model, {
    inputShape: [1, ...config.sampleShape],
    inputName: card.input.name,
    outputName: card.output.name,
    metadata: { [MODEL_CARD_METADATA_KEY]: JSON.stringify(card) },
    docString: `twinml ${config.model} trained on ${config.dataset}`,
  });
  const checks = await validateExport(bytes, model, config.sampleShape);
  const onnxPath = join(outDir, 'model.onnx');
  const cardPath = join(outDir, 'model.json');
  writeFileAtomic(onnxPath, bytes);
  writeFileAtomic(cardPath, JSON.stringify(card, null, 2) + '\n');
  return { onnxPath, cardPath, card, checks };
}
