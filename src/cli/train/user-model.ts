/**
 * A user's own model for `twinml train --model ./net.ts#Net` / `twinml export --run`: the class is imported from
 * its file (TypeScript without a build step, see src/parity/pair/load-ts-model.ts) and trained as a classifier
 * (its output [N, classes] goes through CrossEntropyLoss; log-probabilities work too, as log_softmax is
 * idempotent). Zoo names keep working.
 */
import { getZooModel } from '../../models/index.js';
import type { ZooModel } from '../../models/zoo-model.js';
import type { Module } from '../../nn/module.js';
import { constructorArgs, importExport, parseModelRef, type ModelArgs } from '../../parity/pair/load-ts-model.js';

/** True when `--model` names a file (`path#Export`) rather than a zoo model. */
export function isUserModelRef(model: string): boolean {
  return model.includes('#');
}

/** The config a user model records in config.json (and --resume / export rebuild it from). */
export interface UserModelConfig {
  file: string;
  exportName: string;
  args?: ModelArgs;
}

/**
 * The zoo entry for `--model`: a zoo model by name, or a user model from `file#Export`.
 * @param model - the --model value
 * @param args - constructor arguments of a user model (JSON: array positional, object one options argument)
 */
export async function resolveModelEntry(model: string, args?: ModelArgs): Promise<ZooModel<object>> {
  if (!isUserModelRef(model)) return getZooModel(model);
  const ref = parseModelRef(model, '#', '--model');
  const exported = await importExport(ref);
  if (typeof exported !== 'function') throw new Error(`--model ${model}: ${ref.name} is not a class`);
  const ctor = exported as new (...a: unknown[]) => Module;
  const config: UserModelConfig = { file: ref.file, exportName: ref.name, ...(args !== undefined ? { args } : {}) };
  return {
    name: model,
    description: `user model ${ref.name} from ${ref.file}`,
    pythonOriginal: '',
    defaultConfig: config,
    trainingDefaults: { optimizer: 'adam', lr: 1e-3, batchSize: 64, epochs: 10, momentum: 0, weightDecay: 0 },
    head: 'softmax',
    resolveConfig: () => config,
    create: (c: object) => {
      const m = new ctor(...constructorArgs((c as UserModelConfig).args));
      if (typeof (m as Partial<Module>).namedModules !== 'function') throw new Error(`--model ${model}: ${ref.name} is not a twinml Module`);
      return m;
    },
  };
}
