/**
 * `twinml predict --model <dir|model.onnx> --input <file.json|file.npy|image.png|image.jpg> [--top k] [--raw]`:
 * runs one model on one input file through `twinml/inference` and prints the top classes (or every named output
 * tensor when the card's task is regression or raw, or the model has no card). The inference library is imported only when the command runs.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { Classification, InferenceModel, InputValue, OutputTensor, PredictInputs } from '../../inference/index.js';

export interface PredictArgs {
  model: string;
  input: string;
  top: number;
  raw: boolean;
  json: boolean;
}

/** Image files, decoded like training decodes them (sharp/libvips; BMP and Netpbm by their own decoders). */
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif', '.bmp', '.pgm', '.ppm', '.pbm'];

/** The stderr warning for a model without a card (printed once per model per process). */
export function noCardWarning(model: string): string {
  return (
    `twinml predict: warning: ${model} has no model card (model.json), so the input is passed to the model raw: ` +
    'no scaling (e.g. 0-255 pixels are not divided by 255) and no normalization. Add a model card, or pass values ' +
    'that are already preprocessed.'
  );
}
const warnedNoCard = new Set<string>();

/**
 * Reads an input file: JSON (nested arrays, `{ data, shape }`, or `{ inputName: value }`), .npy, or an image path.
 * @param path - The file.
 */
export async function readInputFile(path: string): Promise<PredictInputs | string> {
  const ext = extname(path).toLowerCase();
  if (IMAGE_EXTENSIONS.includes(ext)) return path;
  if (ext === '.npy') {
    const { parseNpy } = await import('../../util/npy.js');
    const npy = parseNpy(readFileSync(path), path);
    return { data: npy.data, shape: npy.shape, dtype: npy.dtype };
  }
  if (ext === '.json') {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as PredictInputs;
    } catch (e) {
      throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
    }
  }
  throw new Error(`${path}: unsupported input file type "${ext}" (use .json, .npy or an image: ${IMAGE_EXTENSIONS.join(' ')})`);
}

/** Casts an .npy tensor to the model's dtype when they differ (values are checked by the library). */
function adaptDtype(value: PredictInputs | string, model: InferenceModel): PredictInputs | string {
  if (typeof value !== 'object' || value === null || !('dtype' in value) || !('data' in value)) return value;
  const spec = model.inputs[0]!;
  const tensor = value as { data: ArrayLike<number | bigint>; shape: number[]; dtype: string };
  if (model.inputs.length !== 1 || tensor.dtype === spec.dtype) return value;
  return { data: Array.from(tensor.data), shape: tensor.shape } as InputValue;
}

function formatClassifications(results: Classification[], head: string): string {
  return results
    .map((r, i) => {
      const lines = r.top.map((t, k) =>
        head === 'sign'
          ? `  ${t.label} (score ${t.score.toFixed(4)})`
          : `  ${String(k + 1).padStart(2)}. ${t.label.padEnd(12)} ${t.probability.toFixed(4)}`,
      );
      return [`sample ${i}:`, ...lines].join('\n');
    })
    .join('\n');
}

function formatOutputs(outputs: Record<string, OutputTensor>): string {
  return Object.entries(outputs)
    .map(([name, t]) => {
      const values = Array.from(t.data as ArrayLike<number | bigint>).slice(0, 20).map(String);
      const more = t.data.length > 20 ? `, … (${t.data.length} values)` : '';
      return `${name} ${t.dtype} [${t.shape.join(', ')}]: [${values.join(', ')}${more}]`;
    })
    .join('\n');
}

/**
 * Runs the command.
 * @param args - Parsed options.
 * @param print - Where lines go (console.log by default).
 * @param warn - Where warnings go (stderr by default).
 */
export async function runPredict(
  args: PredictArgs,
  print: (line: string) => void = console.log,
  warn: (line: string) => void = console.error,
): Promise<void> {
  const { loadModel } = await import('../../inference/index.js');
  const model = await loadModel(args.model, { workers: 0 });
  try {
    const input = adaptDtype(await readInputFile(args.input), model);
    const task = model.card ? (model.card.task ?? 'classification') : null;
    if (model.card && task === 'classification' && model.card.head) {
      const results = await model.classify(input as never, { top: args.top, raw: args.raw });
      if (args.json) print(JSON.stringify({ model: model.card.name, head: model.card.head, results }, null, 2));
      else print(formatClassifications(results, model.card.head));
      return;
    }
    if (typeof input === 'string') {
      throw new Error(
        model.card
          ? `${args.model}: the model card states task "${task}", so images are not decoded (only a classification card says how); pass .json or .npy`
          : `${args.model} has no model card (model.json), so images cannot be preprocessed; pass .json or .npy`,
      );
    }
    // A regression/raw card: the input goes to the model as given and every named output is printed.
    if (!model.card && !warnedNoCard.has(args.model)) {
      warnedNoCard.add(args.model);
      warn(noCardWarning(args.model));
    }
    const outputs = await model.predict(input);
    if (args.json) {
      const plain = Object.fromEntries(
        Object.entries(outputs).map(([n, t]) => [n, { dtype: t.dtype, shape: t.shape, data: Array.from(t.data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v.toString() : v)) }]),
      );
      print(JSON.stringify(model.card ? { model: model.card.name, task, outputs: plain } : plain));
    } else print(formatOutputs(outputs));
  } finally {
    await model.close();
  }
}

export const predictCommand: CommandModule<object, PredictArgs> = {
  command: 'predict',
  describe: 'Run an ONNX model on one input file (.json, .npy or an image) and print the top classes (every named output tensor for a regression/raw card)',
  builder: (yargs: Argv<object>) =>
    yargs
      .option('model', { type: 'string', demandOption: true, describe: 'Model directory (model.onnx + model.json) or a .onnx file' })
      .option('input', {
        type: 'string',
        demandOption: true,
        describe: 'Input: JSON nested arrays / {data, shape} / {name: value}, .npy, or an image (.png .jpg .webp .tif .gif .bmp .pgm .ppm); without a model card the input is passed raw (a warning says so)',
      })
      .option('top', { type: 'number', default: 5, describe: 'Classes to print per sample' })
      .option('raw', { type: 'boolean', default: false, describe: "Skip the card's scale/normalize (input already preprocessed)" })
      .option('json', { type: 'boolean', default: false, describe: 'Print JSON instead of text' })
      .check((argv) => {
        if (!Number.isInteger(argv.top) || argv.top < 1) throw new Error(`--top must be a positive integer, got ${argv.top}`);
        return true;
      }) as unknown as Argv<PredictArgs>,
  handler: async (argv: ArgumentsCamelCase<PredictArgs>) => {
    await runPredict(argv);
  },
};

export default predictCommand;
