/** `twinml generate`: load a language-model run (config, tokenizer, weights) and stream generated text. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend, type BackendChoice } from '../../backend/index.js';
import { loadSafetensors } from '../../io/safetensors.js';
import { CharTokenizer } from '../../util/char-tokenizer.js';
import { getZooModel } from '../../models/index.js';
import { GPT, generateTokens } from '../../models/gpt/index.js';
import type { GenerateArgs } from '../commands/generate.js';

/** A trained language-model run, ready to generate from. */
export interface LanguageModelRun {
  model: GPT;
  tokenizer: CharTokenizer;
}

/**
 * Loads runs/x: config.json (task language-model, model gpt), tokenizer.json and model.safetensors (strict keys).
 * @param runDir - the run directory
 */
export function loadLanguageModelRun(runDir: string): LanguageModelRun {
  const configPath = join(runDir, 'config.json');
  if (!existsSync(configPath)) throw new Error(`--model ${runDir}: no config.json; give the run directory of \`twinml train --model gpt\``);
  let config: { task?: string; model?: string; modelConfig?: object; tokenizer?: string };
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as typeof config;
  } catch (e) {
    throw new Error(`${configPath}: not JSON: ${(e as Error).message}`);
  }
  if (config.task !== 'language-model') throw new Error(`${configPath}: field "task" is ${JSON.stringify(config.task)}, not "language-model": generate needs a run of \`twinml train --model gpt\``);
  if (config.model !== 'gpt') throw new Error(`${configPath}: field "model" is ${JSON.stringify(config.model)}; generate supports gpt`);
  const tokenizer = CharTokenizer.load(join(runDir, config.tokenizer ?? 'tokenizer.json'));
  const entry = getZooModel('gpt');
  const modelConfig = entry.resolveConfig(config.modelConfig ?? {}, { sampleShape: [(config.modelConfig as { block_size?: number } | undefined)?.block_size ?? 0], numClasses: tokenizer.vocabSize });
  const weights = join(runDir, 'model.safetensors');
  if (!existsSync(weights)) throw new Error(`--model ${runDir}: no model.safetensors (did the training finish?)`);
  const model = entry.create(modelConfig) as GPT;
  try {
    model.loadStateDict(loadSafetensors(weights).tensors, true);
  } catch (e) {
    model.dispose();
    throw new Error(`${weights}: ${(e as Error).message}`);
  }
  return { model, tokenizer };
}

/**
 * Generates text and hands each piece to `write` as soon as it exists (the prompt first).
 * @param args - the generate command's options
 * @param write - where text goes (stdout in the CLI)
 */
export async function runGenerate(args: GenerateArgs, write: (text: string) => void): Promise<void> {
  await useBackend(args.backend as BackendChoice);
  const { model, tokenizer } = loadLanguageModelRun(args.model);
  try {
    let prompt: Int32Array;
    try {
      prompt = tokenizer.encode(args.prompt);
    } catch (e) {
      throw new Error(`--prompt: ${(e as Error).message}`);
    }
    write(args.prompt);
    for (const id of generateTokens(model, prompt, { maxNewTokens: args.maxNewTokens, temperature: args.temperature, topK: args.topK ?? null, seed: args.seed })) {
      write(tokenizer.decode([id]));
      await new Promise((resolve) => setImmediate(resolve)); // let stdout flush: the text streams even through a pipe
    }
  } finally {
    model.dispose();
  }
}
