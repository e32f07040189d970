/** `twinml export --run <dir> [--out <dir>]`: rebuild the run's model from the zoo, load its weights, export. */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { useBackend } from '../../backend/index.js';
import { resolveModelEntry, type UserModelConfig } from '../train/user-model.js';
import { loadSafetensors } from '../../io/safetensors.js';
import { readRunConfig } from './run-config.js';
import { exportTrainedModel, type ExportedModel } from './export-model.js';
import { exportLanguageModelRun, isLanguageModelRun } from './run-language-model.js';
import type { ExportedLanguageModel } from './export-language-model.js';

export interface ExportArgs {
  run: string;
  /** `twinml export --ts` (a user's model instead of a run): see export-user-model.ts. */
  ts?: string;
  modelArgs?: string;
  weights?: string;
  input?: string;
  task?: string;
  labels?: string;
  /** --output-names a,b (with --ts, a several-output forward). */
  outputNames?: string;
  /** --example ids.json (with --ts: the input to trace with). */
  example?: string;
  /** --dynamic-axes 1:sequence (with --ts). */
  dynamicAxes?: string;
  out?: string;
  name?: string;
  /** --model-version (yargs keeps --version for the program's version). */
  modelVersion?: string;
}

/**
 * `twinml export --run`: a language-model run (gpt) gets the generation folder (model.onnx, decoder_with_past.onnx,
 * generation.json, tokenizer.json, model.json; see export-language-model.ts), any other run model.onnx + model.json.
 * @param args - --run, --out (default: the run directory), --name, --model-version
 */
export async function runExportCommand(args: ExportArgs): Promise<ExportedModel | ExportedLanguageModel> {
  if (!isLanguageModelRun(args.run)) return runExport(args);
  const outDir = args.out ?? args.run;
  return exportLanguageModelRun(args.run, outDir, nameAndVersion(outDir, args));
}

/**
 * Name and version for the card: from `models/<name>/<version>` when the out folder is numeric, else the flags
 * (undefined lets the card default apply).
 * @param outDir - the output folder
 * @param args - --name and --model-version
 */
export function nameAndVersion(outDir: string, args: Pick<ExportArgs, 'name' | 'modelVersion'>): { name?: string; version?: string } {
  const last = basename(resolve(outDir));
  const numeric = /^\d+$/.test(last);
  return {
    name: args.name ?? (numeric ? basename(dirname(resolve(outDir))) : undefined),
    version: args.modelVersion ?? (numeric ? last : undefined),
  };
}

/**
 * Exports one classifier run directory: model.onnx + model.json, validated in onnxruntime-node against the TS model.
 * @param args - --run, --out (default: the run directory), --name, --model-version
 */
export async function runExport(args: ExportArgs): Promise<ExportedModel> {
  if (isLanguageModelRun(args.run)) throw new Error(`twinml export: ${args.run} is a language-model run; export it with runExportCommand (or exportLanguageModelRun)`);
  const config = readRunConfig(args.run);
  const weights = join(args.run, 'model.safetensors');
  if (!existsSync(weights)) throw new Error(`twinml export: ${weights} does not exist; the run has no trained weights`);
  await useBackend('cpu');
  const zoo = await resolveModelEntry(config.model, (config.modelConfig as Partial<UserModelConfig>).args);
  const model = zoo.create(zoo.resolveConfig(config.modelConfig, { sampleShape: config.sampleShape, numClasses: config.labels.length }));
  try {
    model.loadStateDict(loadSafetensors(weights).tensors, true);
    const outDir = args.out ?? args.run;
    const result = await exportTrainedModel(model, config, outDir, nameAndVersion(outDir, args));
    const checks = result.checks.map((c) => `batch ${c.batch}: max |TS - ORT| ${c.maxAbsDiff.toExponential(2)}`).join(', ');
    console.log(`twinml export: ${result.onnxPath} + ${result.cardPath}, checked in onnxruntime-node (${checks})`);
    return result;
  } finally {
    model.dispose();
  }
}
