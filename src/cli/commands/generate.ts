/**
 * `twinml generate --model runs/x --prompt … [--max-new-tokens n] [--temperature t] [--top-k k] [--seed s]`: text
 * from a trained language-model run (gpt), streamed to stdout token by token. The run is loaded when the command runs.
 */
import type { Argv, CommandModule } from 'yargs';
import { BACKEND_CHOICES } from '../backend-choices.js';

export interface GenerateArgs {
  model: string;
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  seed: number;
  backend: string;
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate',
  describe: 'Generate text from a trained language-model run (twinml train --model gpt), streaming it to stdout',
  builder: (y: Argv) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'run directory of `twinml train --model gpt` (config.json, tokenizer.json, model.safetensors)' })
      .option('prompt', { type: 'string', default: '\n', defaultDescription: 'a newline', describe: 'text to continue (characters of the training text); printed before the continuation' })
      .option('max-new-tokens', { type: 'number', default: 200, describe: 'characters to generate' })
      .option('temperature', { type: 'number', default: 1, describe: 'divides the logits; < 1 is more conservative, 0 = greedy (argmax)' })
      .option('top-k', { type: 'number', describe: 'sample among the k most likely characters only (default: all)' })
      .option('seed', { type: 'number', default: 0, describe: 'seed of the sampler: the same seed gives the same text (also from the exported ONNX model)' })
      .option('backend', { type: 'string', choices: BACKEND_CHOICES, default: 'auto', describe: 'tfjs backend' })
      .example('$0 generate --model runs/gpt --prompt "MACBETH." --max-new-tokens 300 --temperature 0.8 --top-k 20 --seed 1', '')
      .check((argv) => {
        const a = argv as unknown as GenerateArgs;
        if (!(Number.isInteger(a.maxNewTokens) && a.maxNewTokens >= 0)) throw new Error(`--max-new-tokens must be a non-negative integer, got ${a.maxNewTokens}`);
        if (!(Number.isFinite(a.temperature) && a.temperature >= 0)) throw new Error(`--temperature must be a number >= 0, got ${a.temperature}`);
        if (a.topK !== undefined && !(Number.isInteger(a.topK) && a.topK >= 1)) throw new Error(`--top-k must be a positive integer, got ${a.topK}`);
        if (!Number.isInteger(a.seed)) throw new Error(`--seed must be an integer, got ${a.seed}`);
        return true;
      }) as unknown as Argv<GenerateArgs>,
  handler: async (args) => {
    const { runGenerate } = await import('../generate/run.js');
    await runGenerate(args, (text) => process.stdout.write(text));
    process.stdout.write('\n');
  },
};
