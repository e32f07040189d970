/** `twinml models`: the zoo, with each model's defaults and its PyTorch original. */
import type { CommandModule } from 'yargs';

export const modelsCommand: CommandModule<object, { json: boolean }> = {
  command: 'models',
  describe: 'List the zoo models with their default configuration and training defaults',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print as JSON' }),
  handler: async (args) => {
    const { getZooModel, modelNames } = await import('../../models/index.js');
    const entries = modelNames().map((name) => {
      const m = getZooModel(name);
      return { name, description: m.description, task: m.task ?? 'classifier', head: m.head, defaultConfig: m.defaultConfig, trainingDefaults: m.trainingDefaults, pythonOriginal: m.pythonOriginal };
    });
    if (args.json) {
      console.log(JSON.stringify(entries, null, 2));
      return;
    }
    for (const e of entries) {
      const t = e.trainingDefaults;
      console.log(`${e.name.padEnd(10)} ${e.description}`);
      const schedule = e.task === 'language-model' ? 'steps set by --max-iters, text from --data' : `${t.epochs} epochs`;
      console.log(`           config ${JSON.stringify(e.defaultConfig)}; ${t.optimizer} lr ${t.lr}, batch ${t.batchSize}, ${schedule}; mirrors ${e.pythonOriginal}`);
    }
  },
};
