/** Exports a trained model of a run to model.onnx + model.json in the run directory (validated in onnxruntime-node). */
import type { Module } from '../../nn/module.js';
import type { ResolvedTrainConfig } from './run.js';
import { exportModelToDir } from '../export/export-model.js';

export async function exportRun(runDir: string, model: Module, config: ResolvedTrainConfig): Promise<void> {
  const datasetBase = config.dataset.split(':')[0] ?? config.dataset;
  const result = await exportModelToDir({
    model,
    config: { ...config, modelConfig: config.modelConfig as Record<string, unknown> },
    outDir: runDir,
    name: `${datasetBase}-${config.model}`,
    version: '1',
    runDir,
  });
  console.log(`twinml train: exported ${runDir}/model.onnx (validated in onnxruntime-node, max |TS - ORT| ${result.validation.maxAbsDiff.toExponential(2)})`);
}
