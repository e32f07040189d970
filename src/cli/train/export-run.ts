/** Exports a trained model of a run to model.onnx + model.json (filled in when the ONNX exporter lands). */
import type { Module } from '../../nn/module.js';
import type { ResolvedTrainConfig } from './run.js';

export async function exportRun(runDir: string, model: Module, config: ResolvedTrainConfig): Promise<void> {
  void runDir;
  void model;
  void config;
}
