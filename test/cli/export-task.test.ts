/**
 * `twinml export --ts … --task classification|regression|raw`: the card states the task and lists every output;
 * `predict` prints the named output tensors of a regression/raw model, `classify` refuses it naming the task, and
 * `startServer` (what `twinml serve` runs) answers a v2 infer request with every output, equal to the TS model.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { exportUserModel } from '../../src/cli/export/export-user-model.js';
import { exportCommand } from '../../src/cli/commands/export.js';
import { runPredict } from '../../src/cli/commands/predict.js';
import { loadModel, startServer } from '../../src/inference/index.js';
import { decodeModelProto } from '../../src/onnx/index.js';
import { MODEL_CARD_METADATA_KEY, validateModelCard, type ModelCard } from '../../src/util/model-card.js';
import { packageRoot } from '../../src/util/paths.js';
import { Encoder } from '../fixtures/user-models/encoder.js';

const FILE = join(packageRoot(), 'test', 'fixtures', 'user-models', 'encoder.ts');
const dir = mkdtempSync(join(tmpdir(), 'twinml-export-task-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A deterministic [2, 1, 28, 28] input. */
const SAMPLE = Array.from({ length: 2 * 784 }, (_, i) => ((i * 37) % 101) / 101 - 0.5);

function relDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i]! - want[i]!));
    s = Math.max(s, Math.abs(want[i]!));
  }
  expect(got.length).toBe(want.length);
  expect(s).toBeGreaterThan(0);
  return d / s;
}

describe('twinml export --ts --task', () => {
  let weights = '';
  let expected: { mu: Float32Array; logvar: Float32Array };
  const regressionDir = join(dir, 'models', 'encoder', '1');

  beforeAll(async () => {
    manualSeed(21);
    const model = new Encoder();
    weights = join(dir, 'encoder.safetensors');
    saveSafetensors(weights, model.stateDict());
    model.eval();
    expected = tf.tidy(() => {
      const out = model.call(tf.tensor(SAMPLE, [2, 1, 28, 28]));
      return { mu: out.mu.dataSync() as Float32Array, logvar: out.logvar.dataSync() as Float32Array };
    });
    model.dispose();
  });

  it('regression: the card states the task, no head, every output named; both outputs checked in onnxruntime', async () => {
    const r = await exportUserModel({ ts: `${FILE}#Encoder`, weights, input: '1x1x28x28', out: regressionDir, task: 'regression', name: 'encoder', version: '1' });
    expect(r.checks.map((c) => `${c.batch}:${c.output}`)).toEqual(['1:mu', '1:logvar', '7:mu', '7:logvar']);
    for (const c of r.checks) expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-5 * c.maxAbsOutput);
    const card = JSON.parse(readFileSync(r.cardPath, 'utf8')) as ModelCard;
    expect(card.task).toBe('regression');
    expect(card.head).toBeUndefined();
    expect(card.labels).toEqual([]);
    expect(card.output).toEqual({ name: 'mu', shape: ['batch', 8], dtype: 'float32' });
    expect(card.outputs?.map((o) => o.name)).toEqual(['mu', 'logvar']);
    validateModelCard(card, r.cardPath);
    const proto = decodeModelProto(readFileSync(r.onnxPath)) as { metadataProps: Array<{ key: string; value: string }> };
    const embedded = JSON.parse(proto.metadataProps.find((p) => p.key === MODEL_CARD_METADATA_KEY)!.value) as ModelCard;
    expect(embedded.task).toBe('regression');
  }, 120_000);

  it('classify on a regression card is an error naming the task; predict returns every named output', async () => {
    const model = await loadModel(regressionDir, { workers: 0 });
    try {
      await expect(model.classify({ data: SAMPLE.slice(0, 784), shape: [1, 1, 28, 28] })).rejects.toThrow(
        'classify: the model card of "encoder" states task "regression", not "classification"; use predict',
      );
    } finally {
      await model.close();
    }
    const input = join(dir, 'x.json');
    writeFileSync(input, JSON.stringify({ data: SAMPLE, shape: [2, 1, 28, 28] }));
    const lines: string[] = [];
    const warnings: string[] = [];
    await runPredict({ model: regressionDir, input, top: 5, raw: false, json: true }, (l) => lines.push(l), (w) => warnings.push(w));
    expect(warnings).toEqual([]);
    const printed = JSON.parse(lines.join('\n')) as { task: string; outputs: Record<string, { shape: number[]; data: number[] }> };
    expect(printed.task).toBe('regression');
    expect(Object.keys(printed.outputs)).toEqual(['mu', 'logvar']);
    expect(printed.outputs.mu!.shape).toEqual([2, 8]);
    expect(relDiff(printed.outputs.mu!.data, expected.mu)).toBeLessThanOrEqual(1e-5);
    expect(relDiff(printed.outputs.logvar!.data, expected.logvar)).toBeLessThanOrEqual(1e-5);
    const text: string[] = [];
    await runPredict({ model: regressionDir, input, top: 5, raw: false, json: false }, (l) => text.push(l));
    expect(text.join('\n')).toMatch(/^mu float32 \[2, 8\]: \[.*\nlogvar float32 \[2, 8\]: \[/);
  }, 120_000);

  it('serve answers a v2 infer request with every output, equal to the TS model; metadata states the task', async () => {
    const server = await startServer({ models: join(dir, 'models'), port: 0 });
    try {
      const res = await fetch(`${server.url}/v2/models/encoder/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'input', shape: [2, 1, 28, 28], datatype: 'FP32', data: SAMPLE }] }),
      });
      const body = (await res.json()) as { outputs: Array<{ name: string; shape: number[]; data: number[] }> };
      expect(res.status, JSON.stringify(body)).toBe(200);
      const byName = Object.fromEntries(body.outputs.map((o) => [o.name, o]));
      expect(Object.keys(byName).sort()).toEqual(['logvar', 'mu']);
      expect(byName.logvar!.shape).toEqual([2, 8]);
      expect(relDiff(byName.mu!.data, expected.mu)).toBeLessThanOrEqual(1e-5);
      expect(relDiff(byName.logvar!.data, expected.logvar)).toBeLessThanOrEqual(1e-5);
      const meta = (await (await fetch(`${server.url}/v2/models/encoder`)).json()) as { outputs: Array<{ name: string }>; parameters: Record<string, unknown> };
      expect(meta.outputs.map((o) => o.name)).toEqual(['mu', 'logvar']);
      expect(meta.parameters).toMatchObject({ task: 'regression', outputs: ['mu', 'logvar'] });
      expect(meta.parameters.head).toBeUndefined();
    } finally {
      await server.close();
    }
  }, 120_000);

  it('raw with --output-names; classification of [logits, features] labels the first output', async () => {
    const raw = await exportUserModel({ ts: `${FILE}#LogitsAndFeatures`, input: '1x1x28x28', out: join(dir, 'raw'), task: 'raw', outputNames: ['logits', 'features'] });
    expect(raw.card).toMatchObject({ task: 'raw', output: { name: 'logits' }, outputs: [{ name: 'logits', shape: ['batch', 10] }, { name: 'features', shape: ['batch', 16] }] });
    const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const cls = await exportUserModel({ ts: `${FILE}#LogitsAndFeatures`, input: '1x1x28x28', out: join(dir, 'cls'), task: 'classification', labels });
    expect(cls.card).toMatchObject({ task: 'classification', head: 'softmax', labels, output: { name: 'output_0' } });
    const model = await loadModel(join(dir, 'cls'), { workers: 0 });
    try {
      const [result] = await model.classify({ data: SAMPLE.slice(0, 784), shape: [1, 1, 28, 28] }, { top: 3 });
      expect(result!.top).toHaveLength(3);
    } finally {
      await model.close();
    }
  }, 120_000);

  it('bad task/labels combinations are clear errors', async () => {
    const base = { ts: `${FILE}#Encoder`, input: '1x1x28x28', out: join(dir, 'bad') };
    await expect(exportUserModel({ ...base, task: 'classification' })).rejects.toThrow('--labels: a classification export needs the class names');
    await expect(exportUserModel({ ...base, task: 'regression', labels: ['a'] })).rejects.toThrow('--labels: a regression export has no classes');
    await expect(exportUserModel({ ...base, task: 'ranking' as never })).rejects.toThrow('--task: must be one of classification, regression, raw, got "ranking"');
    await expect(exportUserModel({ ...base, task: 'regression', outputNames: ['a'] })).rejects.toThrow(/outputNames has 1 names \[a\], but forward returns 2/);
  }, 120_000);

  it('the CLI asks for the task when neither --task nor --labels is given', async () => {
    const parse = (argv: string[]) =>
      new Promise<string>((resolve) => {
        yargs(argv)
          .command({ ...exportCommand, handler: () => resolve('ran') })
          .fail((msg) => resolve(msg))
          .exitProcess(false)
          .parse();
      });
    const ts = ['export', '--ts', `${FILE}#Encoder`, '--input', '1x1x28x28', '--out', join(dir, 'cli')];
    expect(await parse(ts)).toBe('twinml export --ts: state what the outputs mean: --task classification --labels a,b,… or --task regression or --task raw');
    expect(await parse([...ts, '--task', 'classification'])).toContain('--task classification needs --labels');
    expect(await parse([...ts, '--task', 'raw', '--labels', 'a'])).toBe('twinml export --ts: --labels is for --task classification, not --task raw');
    expect(await parse([...ts, '--labels', 'a,b'])).toBe('ran');
    expect(await parse([...ts, '--task', 'regression', '--output-names', 'a,b'])).toBe('ran');
  });

  it('the card validator checks task and head together', () => {
    const card = { name: 'm', labels: [], input: { name: 'input', shape: ['batch', 4] }, output: { name: 'y' }, preprocessing: {} };
    expect(() => validateModelCard({ ...card, task: 'regression' }, 'model.json')).not.toThrow();
    expect(() => validateModelCard({ ...card, task: 'regression', head: 'softmax' }, 'model.json')).toThrow('model.json: model card field "head" must be absent for task "regression"');
    expect(() => validateModelCard({ ...card, task: 'ranking' }, 'model.json')).toThrow('model.json: model card field "task" must be one of "classification", "regression", "raw", got "ranking"');
    expect(() => validateModelCard(card, 'model.json')).toThrow('field "head" must be "softmax" or "sign" (task "classification")');
    expect(() => validateModelCard({ ...card, task: 'raw', outputs: [{ shape: [] }] }, 'model.json')).toThrow('field "outputs" must be a list of outputs, each with a name');
  });
});
