/** The model zoo: every model `twinml train --model <name>` can build, each mirroring a python/ original. */
import type { ZooModel } from './zoo-model.js';
import { adaline } from './adaline/index.js';
import { mlp } from './mlp/index.js';
import { cnn } from './cnn/index.js';
import { gpt } from './gpt/index.js';

export type { ZooModel, TrainingDefaults, DataShape } from './zoo-model.js';
export { Adaline } from './adaline/index.js';
export { MLP } from './mlp/index.js';
export { CNN } from './cnn/index.js';
export { GPT, resolveGPTConfig, generateTokens, type GPTConfig, type GPTCacheOutput, type LayerCache, type GenerateOptions } from './gpt/index.js';

const ZOO = new Map<string, ZooModel<object>>([
  [adaline.name, adaline],
  [mlp.name, mlp],
  [cnn.name, cnn],
  [gpt.name, gpt as unknown as ZooModel<object>],
]);

/** Names of the zoo's models. */
export function modelNames(): string[] {
  return [...ZOO.keys()];
}

/** The zoo entry for `name`; an unknown name is an error listing the valid ones. */
export function getZooModel(name: string): ZooModel<object> {
  const entry = ZOO.get(name);
  if (!entry) throw new Error(`unknown model "${name}"; choose one of ${modelNames().join(', ')}`);
  return entry;
}

/** Adds a model to the zoo (used by models in their own folders). */
export function registerZooModel(entry: ZooModel<object>): void {
  ZOO.set(entry.name, entry);
}
