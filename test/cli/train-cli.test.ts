/** `twinml train` from the command line: validation messages, the run directory, determinism. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, TRAIN_BIN } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'twinml-cli-'));

describe('twinml CLI', () => {
  it('answers --help with every verb, and `train --help` the same as `twinml train --help`', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    for (const verb of ['train', 'doctor']) expect(r.stdout).toContain(verb);
    const viaTrain = runCli(['--help'], { bin: TRAIN_BIN });
    expect(viaTrain.code).toBe(0);
    expect(viaTrain.stdout).toContain('--batch-size');
  });

  it('rejects unknown flags and bad values, listing the valid choices', () => {
    const unknown = runCli(['train', '--epoch', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown argument: epoch/);
    const badOptimizer = runCli(['train', '--optimizer', 'lamb']);
    expect(badOptimizer.code).toBe(2);
    expect(badOptimizer.stderr).toMatch(/Choices: "sgd", "adam", "adamw", "adadelta", "rmsprop", "adagrad"/);
    const momentumless = runCli(['train', '--optimizer', 'adam', '--momentum', '0.9', '--no-export']);
    expect(momentumless.stderr).toMatch(/--momentum 0.9: adam has no momentum \(optimizers with one: sgd, rmsprop\)/);
    const badSchedule = runCli(['train', '--lr-scheduler', 'onecycle', '--no-export']);
    expect(badSchedule.stderr).toMatch(/onecycle needs max_lr, e.g. onecycle:0.1/);
    const badBackend = runCli(['train', '--backend', 'metal']);
    expect(badBackend.stderr).toMatch(/Choices: "auto", "torch", "tensorflow", "wasm", "cpu"/);
    const badModel = runCli(['train', '--model', 'resnet', '--no-export']);
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(/unknown model "resnet"; choose one of adaline, mlp/);
    const badDataset = runCli(['train', '--dataset', 'mnist-binary:0,0', '--no-export']);
    expect(badDataset.stderr).toMatch(/the two digits must differ/);
    const badEpochs = runCli(['train', '--epochs', '0']);
    expect(badEpochs.stderr).toMatch(/--epochs must be a positive integer, got 0/);
    const adalineMulti = runCli(['train', '--model', 'adaline', '--dataset', 'mnist', '--no-export']);
    expect(adalineMulti.stderr).toMatch(/adaline is a binary classifier, but the dataset has 10 classes/);
  });

  it('writes the run directory and repeats the same losses for the same seed', () => {
    const args = (out: string) => ['train', '--model', 'mlp', '--dataset', 'mnist-binary:3,8', '--hidden', '32', '--epochs', '2', '--seed', '5', '--out', out, '--backend', 'wasm'];
    const a = runCli(args(join(tmp, 'a')));
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/epoch 1\/2 .*train_loss/);
    const b = runCli(args(join(tmp, 'b')));
    expect(b.code, b.stderr).toBe(0);
    const rows = (dir: string) => readFileSync(join(tmp, dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const ra = rows('a');
    expect(ra).toHaveLength(2);
    for (const key of ['epoch', 'train_loss', 'val_loss', 'val_accuracy', 'lr', 'samples_per_sec']) expect(ra[0]).toHaveProperty(key);
    expect(rows('b').map((r) => [r.train_loss, r.val_loss])).toEqual(ra.map((r) => [r.train_loss, r.val_loss]));
    const config = JSON.parse(readFileSync(join(tmp, 'a', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model: 'mlp', dataset: 'mnist-binary:3,8', labels: ['3', '8'], seed: 5, backend: { used: 'wasm' } });
    expect(existsSync(join(tmp, 'a', 'model.safetensors'))).toBe(true);
  });

  it('trains with any torch optimizer and a per-batch OneCycleLR (lr rises, then anneals below the start)', () => {
    const out = join(tmp, 'rmsprop-onecycle');
    const args = ['train', '--model', 'mlp', '--dataset', 'mnist-binary:3,8', '--hidden', '16', '--epochs', '3', '--optimizer', 'rmsprop', '--momentum', '0.5'];
    const r = runCli([...args, '--lr-scheduler', 'onecycle:0.01:0.4', '--out', out, '--backend', 'wasm', '--no-export']);
    expect(r.code, r.stderr).toBe(0);
    const lrs = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).lr as number);
    expect(lrs).toHaveLength(3);
    expect(lrs[0]!).toBeGreaterThan(0.01 / 25);
    expect(lrs[1]!).toBeLessThan(lrs[0]!);
    expect(lrs[2]!).toBeLessThan(0.01 / 25);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ optimizer: 'rmsprop', momentum: 0.5 });
  });
});
