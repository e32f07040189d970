/** `twinml train --model gpt` and `twinml generate` end to end on a tiny text, and their errors. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'twinml-gpt-cli-'));
const text = join(dir, 'verse.txt');
writeFileSync(text, 'Double, double toil and trouble;\nFire burn and cauldron bubble.\n'.repeat(12));
const run = join(dir, 'run');
const tiny = ['--n-layer', '1', '--n-head', '2', '--n-embd', '8', '--block-size', '8', '--batch-size', '2', '--max-iters', '4', '--eval-interval', '2', '--eval-windows', '4', '--backend', 'cpu'];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinml train --model gpt / twinml generate', () => {
  it('trains on a text file, reports loss and perplexity, and writes config, tokenizer, metrics and weights', () => {
    const r = runCli(['train', '--model', 'gpt', '--data', text, ...tiny, '--out', run]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/step 2\/4: train loss \d\.\d{4}, val loss \d\.\d{4} \(perplexity \d+\.\d\d\)/);
    expect(r.stdout).toContain('on every validation window');
    for (const f of ['config.json', 'tokenizer.json', 'metrics.jsonl', 'model.safetensors']) expect(existsSync(join(run, f)), f).toBe(true);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { task: string; modelConfig: { vocab_size: number; n_layer: number } };
    expect(config.task).toBe('language-model');
    expect(config.modelConfig).toMatchObject({ vocab_size: 19, n_layer: 1 });
    const rows = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; val_perplexity: number });
    expect(rows.map((row) => row.step)).toEqual([2, 4]);
  });

  it('generates the same text for the same seed, streaming the prompt first', () => {
    const args = ['generate', '--model', run, '--prompt', 'Double', '--max-new-tokens', '30', '--temperature', '0.9', '--top-k', '5', '--backend', 'cpu'];
    const a = runCli([...args, '--seed', '7']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.startsWith('Double')).toBe(true);
    expect([...a.stdout.trimEnd()].length).toBeGreaterThanOrEqual(6);
    expect(runCli([...args, '--seed', '7']).stdout).toBe(a.stdout);
    expect(runCli([...args, '--seed', '8']).stdout).not.toBe(a.stdout);
  });

  it('names the bad option, character or run', () => {
    const epochs = runCli(['train', '--model', 'gpt', '--data', text, ...tiny, '--epochs', '2', '--out', join(dir, 'x')]);
    expect(epochs.code).not.toBe(0);
    expect(epochs.stderr).toContain('--model gpt is a language model; these options are for classifiers: --epochs (use --max-iters)');
    const heads = runCli(['train', '--model', 'gpt', '--data', text, ...tiny.slice(4), '--n-head', '3', '--out', join(dir, 'y')]);
    expect(heads.stderr).toContain('model gpt: n_embd (8) must be divisible by n_head (3)');
    const missing = runCli(['train', '--model', 'gpt', '--data', join(dir, 'nope.txt'), ...tiny]);
    expect(missing.stderr).toContain(`--data ${join(dir, 'nope.txt')}: cannot read the text file`);
    const prompt = runCli(['generate', '--model', run, '--prompt', 'Zebra', '--backend', 'cpu']);
    expect(prompt.stderr).toContain('--prompt: CharTokenizer: character "Z" (U+005A) at position 0 is not in the vocabulary');
    const notRun = runCli(['generate', '--model', dir, '--backend', 'cpu']);
    expect(notRun.stderr).toContain(`--model ${dir}: no config.json`);
    expect(runCli(['generate', '--model', run, '--top-k', '0']).stderr).toContain('--top-k must be a positive integer, got 0');
  });
});
