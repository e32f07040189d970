/**
 * `twinml export --run runs/x` of a language-model run (`twinml train --model gpt`): the folder of
 * exportLanguageModel (model.onnx, decoder_with_past.onnx, generation.json, tokenizer.json, model.json).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useBackend } from '../../backend/index.js';
import { loadLanguageModelRun } from '../generate/run.js';
import { exportLanguageModel, type ExportedLanguageModel } from './export-language-model.js';

/** Whether config.json of a run says task "language-model" (false when there is no readable config). */
export function isLanguageModelRun(runDir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { task?: unknown }).task === 'language-model';
  } catch {
    return false;
  }
}

/**
 * Exports a language-model run.
 * @param runDir - the run directory
 * @param outDir - the output folder (e.g. models/<name>/<version>)
 * @param card - name and version for the card
 */
export async function exportLanguageModelRun(runDir: string, outDir: string, card: { name?: string; version?: string }): Promise<ExportedLanguageModel> {
  await useBackend('cpu');
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { data?: string; seed?: number; twinmlVersion?: string; modelConfig?: Record<string, unknown> };
  const { model, tokenizer } = loadLanguageModelRun(runDir);
  try {
    const result = await exportLanguageModel(model, outDir, {
      blockSize: model.config.block_size,
      vocabSize: model.config.vocab_size,
      tokenizer,
      card: {
        name: card.name ?? 'gpt',
        version: card.version,
        architecture: { model: 'gpt', config: { ...model.config } },
        source: { run: resolve(runDir), dataset: config.data, seed: config.seed, createdAt: new Date().toISOString(), twinmlVersion: config.twinmlVersion ?? 'unknown' },
      },
    });
    console.log(`twinml export: ${result.files.join(', ')}; checked in onnxruntime-node (max |TS - ORT| ${result.maxAbsDiff.toExponential(2)})`);
    return result;
  } finally {
    model.dispose();
  }
}
