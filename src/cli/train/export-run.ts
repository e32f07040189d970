/** The export at the end of `train`: model.onnx + model.json in the run directory. */
import type { Module } from '../../nn/module.js';
import { exportTrainedModel } from '../export/export-model.js';
import type { ResolvedTrainConfig } from './run.js';

export async function exportRun(runDir: string, model: Module, config: ResolvedTrainConfig, log: (line: string) => void = console.log): Promise<void> {
  const { onnxPath, checks } = await exportTrainedModel(model, config, runDir);
  const worst = Math.max(...checks.map((c) => c.maxAbsDiff));
  log(`twinml train: exported ${onnxPath} (onnxruntime matches the TS model: max abs diff ${worst.toExponential(2)} at batches ${checks.map((c) => c.batch).join(', ')})`);
}
