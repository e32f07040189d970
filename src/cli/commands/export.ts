/** `twinml export`: options only; the work is in ../export/run.ts (imported when the command runs). */
import type { Argv, CommandModule } from 'yargs';
import type { ExportArgs } from '../export/run.js';

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'Export a trained run to ONNX (opset 17) + model card, validated in onnxruntime-node against the TS model',
  builder: (y: Argv) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'run directory written by `twinml train` (config.json, model.safetensors)' })
      .option('out', { type: 'string', describe: 'output folder, e.g. models/mnist-mlp/1 (default: the run directory)' })
      .option('name', { type: 'string', describe: 'model name in the card (default: from models/<name>/<version>, else <dataset>-<model>)' })
      .option('model-version', { type: 'string', describe: 'model version in the card (default: the numeric out folder, else 1)' }) as unknown as Argv<ExportArgs>,
  handler: async (args) => {
    const { runExport } = await import('../export/run.js');
    await runExport(args);
  },
};
