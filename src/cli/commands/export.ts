/** `twinml export`: options only; the work is in ../export/run.ts (imported when the command runs). */
import type { Argv, CommandModule } from 'yargs';
import type { ExportArgs } from '../export/run.js';
import type { ModelTask } from '../../util/model-card.js';

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export',
  describe: 'Export a trained run, or your own model (--ts), to ONNX (opset 17) + model card, validated in onnxruntime-node against the TS model',
  builder: (y: Argv) =>
    y
      .option('run', { type: 'string', describe: 'run directory written by `twinml train` (config.json, model.safetensors)' })
      .option('ts', { type: 'string', describe: 'your model instead of a run: FILE#Export, e.g. ./net.ts#Net (no build step)' })
      .option('model-args', { type: 'string', describe: 'with --ts: constructor arguments as JSON' })
      .option('weights', { type: 'string', describe: 'with --ts: weights to load (.safetensors, or .pt/.pth read by PyTorch with weights_only=True)' })
      .option('input', { type: 'string', describe: 'with --ts: input shape with batch, e.g. 1x1x28x28 (the batch is exported dynamic); token ids: 1x32:int64 with --example' })
      .option('example', { type: 'string', describe: 'with --ts: the example input to trace with, .json (nested numbers) or .npy of the --input shape; required for :int64 token ids' })
      .option('dynamic-axes', { type: 'string', describe: 'with --ts: dynamic axes besides the batch, DIM:NAME[,DIM:NAME], e.g. 1:sequence (any length then works)' })
      .option('task', {
        type: 'string',
        choices: ['classification', 'regression', 'raw'],
        describe:
          'with --ts: what the outputs mean, written to the card: classification (needs --labels; the default when --labels is given), ' +
          'regression (values) or raw (tensors passed through); predict prints the named output tensors for regression/raw',
      })
      .option('labels', { type: 'string', describe: 'with --ts: class names, comma-separated (index = class id); classification only' })
      .option('output-names', {
        type: 'string',
        describe: 'with --ts: names of the graph outputs, comma-separated, when forward returns several tensors (default: the object keys, or output_0,output_1,... for an array)',
      })
      .check((a) => {
        if (!a.run === !a.ts) throw new Error('twinml export: give either --run <run dir> or --ts <file#Export>');
        if (a.ts && (!a.input || !a.out)) throw new Error('twinml export --ts needs --input and --out');
        if (a.ts && !a.task && !a.labels) throw new Error('twinml export --ts: state what the outputs mean: --task classification --labels a,b,… or --task regression or --task raw');
        if (a.ts && a.task === 'classification' && !a.labels) throw new Error('twinml export --ts --task classification needs --labels (the class names, comma-separated)');
        if (a.ts && a.labels && a.task && a.task !== 'classification') throw new Error(`twinml export --ts: --labels is for --task classification, not --task ${String(a.task)}`);
        return true;
      })
      .option('out', { type: 'string', describe: 'output folder, e.g. models/mnist-mlp/1 (default: the run directory)' })
      .option('name', { type: 'string', describe: 'model name in the card (default: from models/<name>/<version>, else <dataset>-<model>)' })
      .option('model-version', { type: 'string', describe: 'model version in the card (default: the numeric out folder, else 1)' }) as unknown as Argv<ExportArgs>,
  handler: async (args) => {
    if (args.ts) {
      const { exportUserModel } = await import('../export/export-user-model.js');
      const { nameAndVersion } = await import('../export/run.js');
      let modelArgs: unknown;
      if (args.modelArgs) {
        try {
          modelArgs = JSON.parse(args.modelArgs);
        } catch (e) {
          throw new Error(`--model-args is not JSON: ${(e as Error).message}`);
        }
      }
      const r = await exportUserModel({
        ts: args.ts,
        modelArgs: modelArgs as unknown[] | Record<string, unknown> | undefined,
        weights: args.weights,
        input: args.input!,
        out: args.out!,
        task: (args.task ?? 'classification') as ModelTask,
        labels: args.labels?.split(',').map((l) => l.trim()),
        outputNames: args.outputNames?.split(',').map((n) => n.trim()),
        example: args.example,
        dynamicAxes: args.dynamicAxes,
        ...nameAndVersion(args.out!, args),
      });
      const checks = r.checks.map((c) => `batch ${c.batch}${r.checks.some((k) => k.output !== c.output) ? ` ${c.output}` : ''}: max |TS - ORT| ${c.maxAbsDiff.toExponential(2)}`).join(', ');
      console.log(`twinml export: ${r.onnxPath} + ${r.cardPath}, checked in onnxruntime-node (${checks})`);
      return;
    }
    const { runExportCommand } = await import('../export/run.js');
    await runExportCommand(args);
  },
};
