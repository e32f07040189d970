/** Reads and checks a run's `config.json` (written by `twinml train`) before export rebuilds the model from it. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedTrainConfig } from '../train/run.js';

/**
 * Loads `<runDir>/config.json` and checks the fields export relies on; errors name the file and the field.
 * @param runDir - the run directory
 */
export function readRunConfig(runDir: string): ResolvedTrainConfig {
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) throw new Error(`twinml export: ${path} does not exist; --run must be a directory written by \`twinml train\``);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`twinml export: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const fail = (field: string, why: string): never => {
    throw new Error(`twinml export: ${path}: field "${field}" ${why}`);
  };
  if (typeof parsed.model !== 'string') fail('model', 'must be the zoo model name');
  if (!parsed.modelConfig || typeof parsed.modelConfig !== 'object') fail('modelConfig', 'must be an object');
  if (parsed.head !== 'softmax' && parsed.head !== 'sign') fail('head', 'must be "softmax" or "sign"');
  if (typeof parsed.dataset !== 'string') fail('dataset', 'must be a string');
  if (!Array.isArray(parsed.labels) || parsed.labels.some((l) => typeof l !== 'string')) fail('labels', 'must be a list of strings');
  const shape = parsed.sampleShape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || (d as number) < 1)) {
    fail('sampleShape', 'must be a list of positive integers (one sample, e.g. [1, 28, 28])');
  }
  const norm = parsed.normalization as { mean?: unknown; std?: unknown } | undefined;
  if (!norm || !Array.isArray(norm.mean) || !Array.isArray(norm.std)) fail('normalization', 'must be {mean: number[], std: number[]}');
  return { ...parsed, runDir: typeof parsed.runDir === 'string' ? parsed.runDir : runDir } as unknown as ResolvedTrainConfig;
}
