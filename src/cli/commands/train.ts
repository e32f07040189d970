/** `twinml train`: options only; the run itself is in ../train/run.ts (imported when the command runs). */
import type { Argv, CommandModule } from 'yargs';
import { BACKEND_CHOICES, BACKEND_OPTION_FLAGS } from '../backend-choices.js';
import { addTrainingUxOptions, checkTrainingUxArgs, type TrainingUxArgs } from '../train/ux-options.js';
import { camelCase, loadConfigFile } from '../../train/config/config-file.js';
import { OPTIMIZER_NAMES, type OptimizerName } from '../../train/optim/optimizer-names.js';

export interface TrainArgs extends TrainingUxArgs {
  model: string;
  /** Constructor arguments of a user model (--model file#Export), parsed from JSON. */
  modelArgs?: unknown[] | Record<string, unknown>;
  dataset: string;
  data?: string;
  balance: 'none' | 'oversample' | 'undersample' | 'weights';
  skipBad: boolean;
  resize?: [number, number];
  channels?: number;
  augment?: string;
  labelColumn?: string;
  imageColumn?: string;
  prefetch?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: OptimizerName;
  momentum?: number;
  weightDecay?: number;
  hidden?: number[];
  dropout?: number;
  /** Language models: optimizer steps. */
  maxIters?: number;
  /** Language models: evaluate every N steps. */
  evalInterval?: number;
  /** Language models: windows per split in the periodic evaluations. */
  evalWindows?: number;
  /** gpt: context length. */
  blockSize?: number;
  /** gpt: transformer blocks. */
  nLayer?: number;
  /** gpt: attention heads. */
  nHead?: number;
  /** gpt: embedding width. */
  nEmbd?: number;
  /** gpt: biases in Linear and LayerNorm (--no-bias to drop them). */
  bias?: boolean;
  /** gpt: tie lm_head to the token embedding (--no-tie-weights to untie). */
  tieWeights?: boolean;
  seed: number;
  splitSeed: number;
  valFraction: number;
  backend: string;
  /** torch backend: cpu, cuda[:N] or mps. */
  device?: string;
  /** torch backend: intra-op threads. */
  threads?: number;
  out?: string;
  export: boolean;
}

function parseModelArgs(text: string | object): unknown[] | Record<string, unknown> {
  if (typeof text === 'object' && text !== null) return text as Record<string, unknown>;
  let value: unknown;
  try {
    value = JSON.parse(String(text));
  } catch (e) {
    throw new Error(`--model-args is not JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object') throw new Error('--model-args must be a JSON array (positional) or object (options)');
  return value as unknown[] | Record<string, unknown>;
}

function positive(name: string, value: number | undefined, integer: boolean): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train a zoo model or your own (--model ./net.ts#Net) and write a run directory (config, metrics, weights, ONNX, model card)',
  builder: (y: Argv) =>
    addTrainingUxOptions(y)
      .config('config', 'run.json | run.yaml with option values (flags given here override the file)', (path: string) =>
        loadConfigFile(path, Object.keys(optionKeys(y)).map(camelCase).filter((k) => !['config', 'resume', 'printConfig', 'help', 'version'].includes(k))),
      )
      .option('model', { type: 'string', default: 'mlp', describe: 'zoo model (adaline, mlp, cnn, gpt; see `twinml models`) or your own: ./net.ts#Net (a .ts file needs no build)' })
      .option('model-args', { type: 'string', describe: 'constructor arguments of your model as JSON (array: positional; object: one options argument)', coerce: parseModelArgs })
      .option('dataset', { type: 'string', default: 'mnist', describe: 'mnist | mnist-binary:<a> (a vs rest) | mnist-binary:<a>,<b>' })
      .option('data', { type: 'string', describe: 'dataset path: image folder (ImageFolder layout), .parquet file or folder of shards (Hugging Face layout), or .csv; wins over --dataset. gpt: a UTF-8 text file (default: the bundled Macbeth + Hamlet)' })
      .option('balance', { type: 'string', choices: ['none', 'oversample', 'undersample', 'weights'] as const, default: 'none', describe: 'class balancing (weights = CrossEntropyLoss class weights)' })
      .option('skip-bad', { type: 'boolean', default: false, describe: 'skip unreadable images / Parquet shards / CSV rows and list them in <run>/skipped.txt' })
      .option('resize', { type: 'string', describe: 'resize images to HxW, e.g. 64x64', coerce: parseSize })
      .option('channels', { type: 'number', choices: [1, 3], describe: 'decode images to 1 (grayscale) or 3 (RGB) channels' })
      .option('augment', { type: 'string', describe: 'training augmentation, comma-separated: hflip, crop:<padding>' })
      .option('label-column', { type: 'string', describe: 'label column of a .csv or .parquet (default: label / the ClassLabel feature)' })
      .option('image-column', { type: 'string', describe: 'image column of a .parquet (default: the Image feature)' })
      .option('prefetch', { type: 'number', describe: 'batches decoded ahead of training (default 2)' })
      .option('epochs', { type: 'number', describe: 'epochs (model default: 10)' })
      .option('batch-size', { type: 'number', describe: 'batch size (model default: 64)' })
      .option('lr', { type: 'number', describe: 'learning rate (model default: 1e-3)' })
      .option('optimizer', { type: 'string', choices: OPTIMIZER_NAMES, describe: 'optimizer, torch.optim with its defaults (model default: adam, adaline sgd)' })
      .option('momentum', { type: 'number', describe: 'momentum of sgd / rmsprop (default 0)' })
      .option('weight-decay', { type: 'number', describe: 'L2 weight decay (default 0)' })
      .option('hidden', { type: 'string', describe: 'mlp hidden widths, comma-separated (default 256,128)', coerce: parseIntList })
      .option('dropout', { type: 'number', describe: 'mlp: dropout after each hidden layer; gpt: dropout of embeddings, attention and residuals (default 0)' })
      .group(['max-iters', 'eval-interval', 'eval-windows', 'block-size', 'n-layer', 'n-head', 'n-embd', 'bias', 'tie-weights'], 'Language models (--model gpt):')
      .option('max-iters', { type: 'number', describe: 'optimizer steps on random windows of the text (default 1000)' })
      .option('eval-interval', { type: 'number', describe: 'report train/val loss and perplexity every N steps (default 100)' })
      .option('eval-windows', { type: 'number', describe: 'windows per split in the periodic evaluations; the final one uses all (default 64)' })
      .option('block-size', { type: 'number', describe: 'context length in characters (default 64)' })
      .option('n-layer', { type: 'number', describe: 'transformer blocks (default 4)' })
      .option('n-head', { type: 'number', describe: 'attention heads, must divide --n-embd (default 4)' })
      .option('n-embd', { type: 'number', describe: 'embedding width (default 128)' })
      .option('bias', { type: 'boolean', describe: 'biases in Linear and LayerNorm layers (default true; --no-bias)' })
      .option('tie-weights', { type: 'boolean', describe: 'share lm_head.weight with the token embedding (default true; --no-tie-weights)' })
      .option('seed', { type: 'number', default: 1, describe: 'seed of initialisation, shuffling and dropout' })
      .option('split-seed', { type: 'number', default: 0, describe: 'seed of the fixed train/validation split' })
      .option('val-fraction', { type: 'number', default: 0.2, describe: 'held-out fraction (mnist: 2,000 of 10,000)' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: 'tfjs backend' })
      .options(BACKEND_OPTION_FLAGS)
      .option('out', { type: 'string', describe: 'run directory (default runs/<model>-<timestamp>)' })
      .option('export', { type: 'boolean', default: true, describe: 'export model.onnx + model.json at the end (--no-export to skip)' })
      .check((argv) => {
        const a = argv as unknown as TrainArgs;
        positive('epochs', a.epochs, true);
        positive('batch-size', a.batchSize, true);
        positive('lr', a.lr, false);
        positive('prefetch', a.prefetch, true);
        for (const [name, v] of [['max-iters', a.maxIters], ['eval-interval', a.evalInterval], ['eval-windows', a.evalWindows], ['block-size', a.blockSize], ['n-layer', a.nLayer], ['n-head', a.nHead], ['n-embd', a.nEmbd]] as const) positive(name, v, true);
        if (a.momentum !== undefined && !(a.momentum >= 0)) throw new Error(`--momentum must be >= 0, got ${a.momentum}`);
        if (a.weightDecay !== undefined && !(a.weightDecay >= 0)) throw new Error(`--weight-decay must be >= 0, got ${a.weightDecay}`);
        if (!(a.valFraction > 0 && a.valFraction < 1)) throw new Error(`--val-fraction must be in (0, 1), got ${a.valFraction}`);
        if (!Number.isInteger(a.seed)) throw new Error(`--seed must be an integer, got ${a.seed}`);
        checkTrainingUxArgs(a);
        return true;
      }) as unknown as Argv<TrainArgs>,
  handler: async (args) => {
    const { runTraining } = await import('../train/run.js');
    await runTraining(args);
  },
};

/** Every option name yargs knows for this command (read when --config is parsed, after all options exist). */
function optionKeys(y: Argv): Record<string, boolean> {
  return (y as unknown as { getOptions(): { key: Record<string, boolean> } }).getOptions().key;
}

function parseIntList(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = String(value).split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length === 0 || nums.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--hidden must be comma-separated positive integers, got "${value}"`);
  }
  return nums;
}

function parseSize(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)(?:x(\d+))?$/.exec(String(value).trim());
  if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) throw new Error(`--resize must be HxW or N (positive integers), got "${value}"`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}
