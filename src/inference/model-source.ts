/** Resolves what `loadModel` was given (a directory, a .onnx path, or bytes) to model bytes and its card. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { validateModelCard, type ModelCard } from '../util/model-card.js';

export interface ModelSource {
  bytes: Uint8Array;
  card: ModelCard | null;
  /** The model file, or '<bytes>' when bytes were given. */
  origin: string;
}

/**
 * Reads a model card JSON file and validates it.
 * @param path - Path of model.json.
 */
export function readModelCard(path: string): ModelCard {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateModelCard(parsed, path);
}

/**
 * Resolves a model source.
 * @param source - A directory with model.onnx (and optional model.json), a .onnx file, or ONNX bytes.
 */
export function readModelSource(source: string | Uint8Array): ModelSource {
  if (typeof source !== 'string') {
    if (!(source instanceof Uint8Array)) throw new Error('loadModel: source must be a path or a Uint8Array of ONNX bytes');
    return { bytes: source, card: null, origin: '<bytes>' };
  }
  const path = resolve(source);
  if (!existsSync(path)) throw new Error(`loadModel: ${path} does not exist (give a model directory or a .onnx file)`);
  let modelFile = path;
  if (statSync(path).isDirectory()) {
    modelFile = join(path, 'model.onnx');
    if (!existsSync(modelFile)) throw new Error(`loadModel: ${path} is a directory without model.onnx`);
  }
  const cardFile = join(dirname(modelFile), 'model.json');
  const card = existsSync(cardFile) ? readModelCard(cardFile) : null;
  return { bytes: readFileSync(modelFile), card, origin: modelFile };
}
