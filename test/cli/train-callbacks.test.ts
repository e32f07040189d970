/**
 * Early stopping restores the best epoch's weights; --config files (JSON and YAML) with flags overriding them;
 * --print-config prints the resolved config without training.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMALL_RUN, requireBuild, runTrain, tensorBytes } from './train-helpers.js';

describe('train callbacks and config', () => {
  it('early stopping stops after `patience` epochs without improvement and restores the best weights', () => {
    requireBuild();
    const out = join(mkdtempSync(join(tmpdir(), 'twinml-es-')), 'run');
    const r = runTrain([...SMALL_RUN, '--epochs', '12', '--lr', '0.01', '--early-stopping-patience', '2', '--keep-last', '0', '--out', out, '--log-format', 'plain']);
    expect(r.status, r.stderr).toBe(0);
    const rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { epoch: number; val_loss: number; step: number });
    // The reference: the epoch of the lowest val_loss from the written metrics, and the stop `patience` epochs later.
    const best = rows.reduce((b, row) => (row.val_loss < b.val_loss ? row : b));
    expect(rows.length).toBeLessThan(12);
    expect(rows.at(-1)!.epoch).toBe(best.epoch + 2);
    expect(r.stdout).toContain(`early stopping at epoch ${best.epoch + 2}: val_loss did not improve for 2 epoch(s); restored the weights of epoch ${best.epoch}`);
    const final = tensorBytes(join(out, 'model.safetensors'));
    const bestEpoch = tensorBytes(join(out, 'checkpoints', `step-${best.step}`, 'model.safetensors'));
    const lastEpoch = tensorBytes(join(out, 'checkpoints', `step-${rows.at(-2)!.step}`, 'model.safetensors'));
    for (const [k, bytes] of bestEpoch) {
      expect(final.get(k)!.equals(bytes), `${k} is not the best epoch's`).toBe(true);
      expect(lastEpoch.get(k)!.equals(bytes), `${k}: later epochs should have changed the weights`).toBe(false);
    }
    const bestDir = tensorBytes(join(out, 'best', 'model.safetensors'));
    for (const [k, bytes] of bestEpoch) expect(bestDir.get(k)!.equals(bytes), `best/ ${k}`).toBe(true);
  });

  it('stops a diverging run at the first non-finite loss with a message naming that step', () => {
    requireBuild();
    const out = join(mkdtempSync(join(tmpdir(), 'twinml-nan-')), 'run');
    const r = runTrain([...SMALL_RUN, '--epochs', '1', '--optimizer', 'sgd', '--lr', '1e30', '--out', out, '--log-format', 'json']);
    expect(r.status).toBe(1);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; step?: number; stopReason?: string; message?: string });
    const finite = events.filter((e) => e.event === 'batch').length; // steps whose loss was finite
    const end = events.at(-1)!;
    expect(end.stopReason).toBe('non-finite-loss');
    expect(end.message).toMatch(new RegExp(`the loss became (NaN|Infinity|-Infinity) at step ${finite + 1} \\(epoch 1, batch ${finite + 1} of 34\\)`));
    expect(r.stderr).toContain(`at step ${finite + 1} (epoch 1`);
  });

  it('reads --config YAML and JSON, lets flags override them, and --print-config prints without training', () => {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'twinml-config-'));
    writeFileSync(join(dir, 'run.yaml'), 'model: mlp\nbatch-size: 16\nlr: 0.02\nhidden: [8, 4]\nepochs: 7\ncheckpoint-every: 5\n');
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ batchSize: 48, optimizer: 'sgd' }));
    const out = join(dir, 'run');
    const yaml = runTrain(['--config', join(dir, 'run.yaml'), '--dataset', 'mnist-binary:0,1', '--epochs', '3', '--out', out, '--print-config']);
    expect(yaml.status, yaml.stderr).toBe(0);
    const config = JSON.parse(yaml.stdout) as { batchSize: number; lr: number; epochs: number; modelConfig: { hidden: number[] }; options: { checkpointEvery: number } };
    expect(config.batchSize).toBe(16);
    expect(config.lr).toBe(0.02);
    expect(config.modelConfig.hidden).toEqual([8, 4]);
    expect(config.epochs).toBe(3); // the flag wins over the file's 7
    expect(config.options.checkpointEvery).toBe(5);
    expect(existsSync(out)).toBe(false); // nothing trained, nothing written
    const json = runTrain(['--config', join(dir, 'run.json'), '--dataset', 'mnist-binary:0,1', '--print-config']);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ batchSize: 48, optimizer: 'sgd' });
  });

  it('rejects unknown config keys, naming them and listing the valid ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twinml-config-'));
    writeFileSync(join(dir, 'bad.yaml'), 'batch-sise: 16\n');
    const r = runTrain(['--config', join(dir, 'bad.yaml'), '--print-config']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.yaml: unknown option\(s\) 'batch-sise'; valid: .*batch-size/);
  });
});
