import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { getZooModel } from '../../src/models/index.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { decodeModelProto } from '../../src/onnx/index.js';
import { runExport } from '../../src/cli/export/run.js';
import { MODEL_CARD_METADATA_KEY, validateModelCard } from '../../src/util/model-card.js';
import { maxAbs, maxAbsDiff, runOrt } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'twinml-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A run directory as `twinml train` writes it (config.json + model.safetensors), with seeded untrained weights. */
function makeRun(name: string, model: string, modelConfig: Record<string, unknown>, labels: string[]): string {
  const runDir = join(dir, 'runs', name);
  mkdirSync(runDir, { recursive: true });
  const config = {
    model,
    modelConfig,
    head: model === 'adaline' ? 'sign' : 'softmax',
    dataset: labels.length === 2 ? 'mnist-binary:3,8' : 'mnist',
    labels,
    sampleShape: [1, 28, 28],
    normalization: { mean: [0.1307], std: [0.3081] },
    seed: 5,
  };
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(config));
  manualSeed(5);
  const zoo = getZooModel(model);
  const m = zoo.create(zoo.resolveConfig(modelConfig, { sampleShape: [1, 28, 28], numClasses: labels.length }));
  saveSafetensors(join(runDir, 'model.safetensors'), m.stateDict());
  m.dispose();
  return runDir;
}

describe('twinml export', () => {
  it('exports an mlp run to models/<name>/<version> with the card beside and inside the model', async () => {
    const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const runDir = makeRun('mlp', 'mlp', { inFeatures: 784, hidden: [32, 16], numClasses: 10, dropout: 0.2 }, labels);
    const out = join(dir, 'models', 'mnist-mlp', '3');
    const result = await runExport({ run: runDir, out });
    expect(result.checks.map((c) => c.batch)).toEqual([1, 7]);
    for (const c of result.checks) expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-5 * c.maxAbsOutput);

    const card = validateModelCard(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')), 'model.json');
    expect(card.name).toBe('mnist-mlp');
    expect(card.version).toBe('3');
    expect(card.labels).toEqual(labels);
    expect(card.input).toEqual({ name: 'input', shape: ['batch', 1, 28, 28], dtype: 'float32' });
    expect(card.output).toEqual({ name: 'output', shape: ['batch', 10], dtype: 'float32' });
    expect(card.preprocessing.normalize).toEqual({ mean: [0.1307], std: [0.3081] });
    expect(card.architecture.model).toBe('mlp');

    const bytes = new Uint8Array(readFileSync(join(out, 'model.onnx')));
    const proto = decodeModelProto(bytes) as { metadataProps: Array<{ key: string; value: string }> };
    const inside = JSON.parse(proto.metadataProps.find((p) => p.key === MODEL_CARD_METADATA_KEY)!.value);
    expect(inside).toEqual(card);

    // The file reproduces the run's weights: compare with the zoo model loaded from model.safetensors.
    const zoo = getZooModel('mlp');
    const model = zoo.create(zoo.resolveConfig({ hidden: [32, 16], dropout: 0.2 }, { sampleShape: [1, 28, 28], numClasses: 10 }));
    const { loadSafetensors } = await import('../../src/io/safetensors.js');
    model.loadStateDict(loadSafetensors(join(runDir, 'model.safetensors')).tensors);
    model.eval();
    const x = tf.randomUniform([4, 1, 28, 28], 0, 1, 'float32', 9);
    const ts = model.call(x).dataSync();
    const ort = await runOrt(bytes, x);
    expect(maxAbsDiff(ts, ort.data)).toBeLessThanOrEqual(1e-5 * maxAbs(ts));
    model.dispose();
  });

  it('exports an adaline run into the run directory by default', async () => {
    const runDir = makeRun('adaline', 'adaline', { inFeatures: 784 }, ['3', '8']);
    await runExport({ run: runDir });
    expect(existsSync(join(runDir, 'model.onnx'))).toBe(true);
    expect(existsSync(join(runDir, 'config.json'))).toBe(true);
    const card = JSON.parse(readFileSync(join(runDir, 'model.json'), 'utf8'));
    expect(card.head).toBe('sign');
    expect(card.output.shape).toEqual(['batch', 1]);
  });

  it('names the file and field when the run is incomplete', async () => {
    const bad = join(dir, 'runs', 'bad');
    mkdirSync(bad, { recursive: true });
    await expect(runExport({ run: bad })).rejects.toThrow(/config\.json does not exist/);
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ model: 'mlp', modelConfig: {}, head: 'softmax', dataset: 'mnist', labels: ['a'] }));
    await expect(runExport({ run: bad })).rejects.toThrow(/field "sampleShape"/);
  });
});
