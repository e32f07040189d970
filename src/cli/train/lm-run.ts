/**
 * `twinml train --model gpt [--data book.txt]`: a character-level language model on a text file (default: the
 * bundled Macbeth + Hamlet), trained with nanoGPT's loop (src/train/lm). Writes the run directory: config.json,
 * tokenizer.json, metrics.jsonl (one row per evaluation), model.safetensors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { useBackend, type BackendChoice } from '../../backend/index.js';
import { manualSeed } from '../../nn/generator.js';
import { saveSafetensors } from '../../io/safetensors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { CharTokenizer } from '../../util/char-tokenizer.js';
import { packageRoot } from '../../util/paths.js';
import { splitTokens } from '../../data/text-batches.js';
import { languageModelAdamW, trainLanguageModel, type LanguageModelEvaluation } from '../../train/lm/index.js';
import type { ZooModel } from '../../models/zoo-model.js';
import type { TrainArgs } from '../commands/train.js';
import { createRunDir, writeConfig } from './run-dir.js';

const require = createRequire(import.meta.url);
const TWINML_VERSION = (require('../../../package.json') as { version: string }).version;

/** The bundled default corpus (ships with the package; never downloaded). */
export function bundledCorpusPath(): string {
  return join(packageRoot(), 'data', 'shakespeare', 'macbeth-hamlet.txt');
}

/** Language-model defaults that the classifier options do not cover. */
export const LANGUAGE_MODEL_DEFAULTS = { maxIters: 1000, evalInterval: 100, evalWindows: 64, clipGradNorm: 1.0 } as const;

/** Options of the classifier pipeline that a language model does not take, with why. */
function rejectClassifierOptions(args: TrainArgs): void {
  const given: Array<[boolean, string]> = [
    [args.balance !== 'none', '--balance'],
    [args.skipBad, '--skip-bad'],
    [args.resize !== undefined, '--resize'],
    [args.channels !== undefined, '--channels'],
    [args.augment !== undefined, '--augment'],
    [args.labelColumn !== undefined, '--label-column'],
    [args.imageColumn !== undefined, '--image-column'],
    [args.hidden !== undefined, '--hidden'],
    [args.epochs !== undefined, '--epochs (use --max-iters)'],
    [args.momentum !== undefined && args.momentum !== 0, '--momentum'],
    [args.resume !== undefined, '--resume'],
    [args.checkpointEvery > 0, '--checkpoint-every'],
    [args.earlyStoppingPatience !== undefined, '--early-stopping-patience'],
    [args.reduceLrPatience !== undefined, '--reduce-lr-patience'],
    [args.lrScheduler !== 'none', '--lr-scheduler'],
    [args.modelArgs !== undefined, '--model-args'],
  ];
  const bad = given.filter(([on]) => on).map(([, name]) => name);
  if (bad.length > 0) throw new Error(`--model ${args.model} is a language model; these options are for classifiers: ${bad.join(', ')}`);
  if (args.optimizer !== undefined && args.optimizer !== 'adamw') throw new Error(`--optimizer ${args.optimizer}: --model ${args.model} trains with adamw (weight decay on 2-D weights only, as nanoGPT)`);
}

function readText(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`--data ${path}: cannot read the text file: ${(e as Error).message}`);
  }
  if (text.length === 0) throw new Error(`--data ${path}: the file is empty`);
  return text;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..+/, '').replace('T', '-');
}

function formatEvaluation(row: LanguageModelEvaluation, maxIters: number): string {
  const train = Number.isNaN(row.train_loss) ? '' : `train loss ${row.train_loss.toFixed(4)}, `;
  return (
    `step ${String(row.step).padStart(String(maxIters).length)}/${maxIters}: ${train}val loss ${row.val_loss.toFixed(4)} ` +
    `(perplexity ${row.val_perplexity.toFixed(2)})${row.final ? ' on every validation window' : ''}, ${Math.round(row.tokens_per_second)} tokens/s`
  );
}

/**
 * Trains a language model of the zoo on a text file and writes its run directory.
 * @param args - the train command's options
 * @param zoo - the zoo entry (task 'language-model')
 */
export async function runLanguageModelTraining(args: TrainArgs, zoo: ZooModel<object>): Promise<void> {
  rejectClassifierOptions(args);
  const json = args.logFormat === 'json';
  const say = (line: string) => (json || args.printConfig ? console.error(line) : console.log(line));
  const dataPath = args.data ?? bundledCorpusPath();
  const text = readText(dataPath);
  const tokenizer = CharTokenizer.fromText(text);
  const tokens = tokenizer.encode(text);
  const overrides: Record<string, unknown> = {};
  const flags: Array<[string, unknown]> = [['n_layer', args.nLayer], ['n_head', args.nHead], ['n_embd', args.nEmbd], ['dropout', args.dropout], ['bias', args.bias], ['tie_weights', args.tieWeights]];
  for (const [key, value] of flags) if (value !== undefined) overrides[key] = value;
  const blockSize = args.blockSize ?? (zoo.defaultConfig as { block_size: number }).block_size;
  const modelConfig = zoo.resolveConfig(overrides, { sampleShape: [blockSize], numClasses: tokenizer.vocabSize });
  const split = splitTokens(tokens, args.valFraction, blockSize);
  const d = zoo.trainingDefaults;
  const training = {
    optimizer: 'adamw' as const,
    lr: args.lr ?? d.lr,
    weightDecay: args.weightDecay ?? d.weightDecay,
    betas: [0.9, 0.99] as [number, number],
    batchSize: args.batchSize ?? d.batchSize,
    maxIters: args.maxIters ?? LANGUAGE_MODEL_DEFAULTS.maxIters,
    evalInterval: args.evalInterval ?? LANGUAGE_MODEL_DEFAULTS.evalInterval,
    evalWindows: args.evalWindows ?? LANGUAGE_MODEL_DEFAULTS.evalWindows,
    clipGradNorm: args.clipGradNorm ?? LANGUAGE_MODEL_DEFAULTS.clipGradNorm,
  };
  const backend = await useBackend(args.backend as BackendChoice, { device: args.device, threads: args.threads });
  const runDir = args.out ?? join('runs', `${zoo.name}-${timestamp()}`);
  const config = {
    task: 'language-model',
    model: zoo.name,
    modelConfig,
    data: dataPath,
    tokenizer: 'tokenizer.json',
    split: { valFraction: args.valFraction, trainTokens: split.train.length, valTokens: split.val.length },
    ...training,
    seed: args.seed,
    backend: { requested: args.backend, used: backend },
    runDir,
    twinmlVersion: TWINML_VERSION,
    createdAt: new Date().toISOString(),
  };
  if (args.printConfig) {
    console.log(JSON.stringify(config, null, 2));
    return;
  }
  createRunDir(runDir);
  writeConfig(runDir, config);
  writeFileAtomic(join(runDir, 'tokenizer.json'), JSON.stringify(tokenizer) + '\n');
  say(
    `twinml train: ${zoo.name} ${JSON.stringify(modelConfig)} on ${dataPath} (${split.train.length} train / ${split.val.length} val tokens, ` +
      `${tokenizer.vocabSize} characters), adamw lr ${training.lr}, batch ${training.batchSize}, ${training.maxIters} steps, seed ${args.seed}, backend ${backend} -> ${runDir}`,
  );
  manualSeed(args.seed);
  const model = zoo.create(modelConfig);
  const optimizer = languageModelAdamW(model, { lr: training.lr, weightDecay: training.weightDecay, betas: training.betas });
  const metrics: string[] = [];
  try {
    const result = trainLanguageModel({
      model,
      optimizer,
      data: split,
      blockSize,
      batchSize: training.batchSize,
      maxIters: training.maxIters,
      evalInterval: training.evalInterval,
      evalWindows: training.evalWindows,
      clipGradNorm: training.clipGradNorm,
      seed: args.seed,
      onEval: (row) => {
        metrics.push(JSON.stringify(row));
        writeFileAtomic(join(runDir, 'metrics.jsonl'), metrics.join('\n') + '\n');
        if (json) console.log(JSON.stringify({ event: 'eval', ...row }));
        else say(formatEvaluation(row, training.maxIters));
      },
    });
    const weights = join(runDir, 'model.safetensors');
    saveSafetensors(weights, model.stateDict(), { format: 'pt', model: zoo.name });
    const f = result.final;
    const summary = { event: 'done', val_loss: f.val_loss, val_perplexity: f.val_perplexity, tokens_per_second: f.tokens_per_second, train_seconds: result.trainSeconds, runDir, weights };
    if (json) console.log(JSON.stringify(summary));
    else {
      say(`done: val loss ${f.val_loss.toFixed(4)} (perplexity ${f.val_perplexity.toFixed(2)}), ${Math.round(f.tokens_per_second)} tokens/s; weights ${weights}`);
      say(`generate: twinml generate --model ${runDir} --prompt "${tokenizer.decode([tokens[0]!])}" --max-new-tokens 200`);
    }
  } finally {
    optimizer.disposeState();
    model.dispose();
  }
}
