/** `twinml export --run <dir> [--out <dir>]`: rebuild the run's model from the zoo, load its weights, export. */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { useBackend } from '../../backend/index.js';
import { getZooModel } from '../../models/index.js';
import { loadSafetensors } from '../../io/safetensors.js';
import { readRunConfig } from './run-config.js';
import { exportModelToDir, type ExportModelResult } from './export-model.js';

export interface ExportArgs {
  run: string;
  out?: string;
  name?: string;
  /** --model-version (yargs keeps --version for the program's version). */
  modelVersion?: string;
}

/** Name and version from `models/<name>/<version>` when the out folder is numeric, else defaults. */
export function nameAndVersion(outDir: string, fallbackName: string, args: Pick<ExportArgs, 'name' | 'modelVersion'>): { name: string; version: string } {
  const last = basename(resolve(outDir));
  const numeric = /^\d+$/.test(last);
  return {
    name: args.name ?? (numeric ? basename(dirname(resolve(outDir))) : fallbackName),
    version: args.modelVersion ?? (numeric ? last : '1'),
  };
}

/**
 * Runs the export of one run directory.
 * @param args - --run, --out, --name, --version
 */
export async function runExport(args: ExportArgs): Promise<ExportModelResult> {
  const config = readRunConfig(args.run);
  const weights = join(args.run, 'model.safetensors');
  if (!existsSync(weights)) throw new Error(`twinml export: ${weights} does not exist; the run has no trained weights`);
  await useBackend('cpu');
  const zoo = getZooModel(config.model);
  const model = zoo.create(zoo.resolveConfig(config.modelConfig, { sampleShape: config.sampleShape, numClasses: config.labels.length }));
  try {
    model.loadStateDict(loadSafetensors(weights).tensors, true);
    const outDir = args.out ?? args.run;
    const datasetBase = config.dataset.split(':')[0] ?? config.dataset;
    const { name, version } = nameAndVersion(outDir, `${datasetBase}-${config.model}`, args);
    const result = await exportModelToDir({ model, config, outDir, name, version, runDir: args.run });
    const worst = result.validation.batches.map((b) => `batch ${b.batch}: max |TS - ORT| ${b.maxAbsDiff.toExponential(2)}`).join(', ');
    console.log(`twinml export: ${join(outDir, 'model.onnx')} (${result.bytes} bytes) + model.json, validated in onnxruntime-node (${worst})`);
    return result;
  } finally {
    model.dispose();
  }
}
