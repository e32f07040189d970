/**
 * Per-model configuration (config.json / config.yaml with Triton's field names) and the statistics extension:
 * the file's values reach the batcher and the sessions and come back from GET /v2/models/{name}/config in Triton's
 * shape; non-finite inputs pass through by default and are refused when the config says so; a bad file is an error
 * naming the file and the field; /stats counts requests, rows, executions and their phase times.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/inference/index.js';
import { effectiveSettings, readModelConfig } from '../../src/inference/server/model-config.js';
import { fixtureModels } from './fixtures/models.js';
import { call, makeRepository, rawRequest } from './http-helpers.js';

const fixtures = fixtureModels('model config');
interface Duration {
  count: number;
  ns: number;
}
/** One model_stats row as the statistics extension answers it. */
interface StatsRow {
  name: string;
  version: string;
  inference_count: number;
  execution_count: number;
  inference_stats: Record<string, Duration>;
  batch_stats: Array<{ compute_infer: Duration }>;
}
const mlp = (data: unknown[], rows = 1) => ({ inputs: [{ name: 'input', shape: [rows, 784], datatype: 'FP32', data }] });

function binaryNaN(): { body: Buffer; headers: Record<string, string> } {
  const values = new Float32Array(784).fill(0.25);
  values[3] = NaN;
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', parameters: { binary_data_size: 3136 } }] }));
  return { body: Buffer.concat([header, Buffer.from(values.buffer)]), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) } };
}

describe('config file parsing', () => {
  const dir = (files: Record<string, string>) => {
    const root = join(makeRepository(fixtures ?? '/nonexistent', []), 'm');
    mkdirSync(root, { recursive: true });
    for (const [f, text] of Object.entries(files)) writeFileSync(join(root, f), text);
    return root;
  };
  it.each([
    ['unknown field', '{"max_batch":4}', 'unknown field "max_batch"'],
    ['negative max_batch_size', '{"max_batch_size":-1}', 'max_batch_size must be an integer >= 0, got -1'],
    ['name of another model', '{"name":"other"}', 'name "other" must be the folder name "m"'],
    ['two version policies', '{"version_policy":{"all":{},"latest":{"num_versions":1}}}', 'exactly one of latest, all, specific'],
    ['GPU instances', '{"instance_group":[{"kind":"KIND_GPU"}]}', 'instance_group[0].kind must be KIND_CPU'],
    ['threads not a number', '{"parameters":{"intra_op_thread_count":{"string_value":"many"}}}', 'parameters.intra_op_thread_count.string_value must be an integer'],
    ['twinml flag not a boolean', '{"twinml":{"refuse_non_finite_inputs":"yes"}}', 'twinml.refuse_non_finite_inputs must be true or false'],
    ['not JSON', '{max_batch_size: 4', 'not valid JSON'],
  ])('%s -> error naming the file and field', (_what, text, message) => {
    const root = dir({ 'config.json': text });
    expect(() => readModelConfig(root, 'm')).toThrow(message);
    expect(() => readModelConfig(root, 'm')).toThrow(join(root, 'config.json'));
  });
  it('a model without a batch axis gets max_batch_size 0 and no batching; asking for batching is an error', () => {
    const none = readModelConfig(dir({}), 'm');
    const defaults = { maxBatchSize: 64, maxQueueDelayMs: 2, workers: 1 };
    expect(effectiveSettings(none, defaults, false)).toMatchObject({ maxBatchSize: 0, batcherMaxBatchSize: 1 });
    expect(effectiveSettings(none, defaults, true)).toMatchObject({ maxBatchSize: 64, batcherMaxBatchSize: 64, maxQueueDelayMs: 2 });
    const root = dir({ 'config.json': '{"max_batch_size": 8}' });
    expect(() => effectiveSettings(readModelConfig(root, 'm'), defaults, false)).toThrow('max_batch_size 8 needs a dynamic first axis');
    // A file without dynamic_batching: no dynamic batching (Triton's rule).
    expect(effectiveSettings(readModelConfig(root, 'm'), defaults, true)).toMatchObject({ maxBatchSize: 8, batcherMaxBatchSize: 1 });
  });
  it('reads YAML with Triton names and int64 strings', () => {
    const root = dir({ 'config.yaml': 'max_batch_size: 8\ndynamic_batching:\n  preferred_batch_size: [4, 2]\n  max_queue_delay_microseconds: "500"\ninstance_group:\n  - count: 2\n    kind: KIND_CPU\nversion_policy:\n  specific:\n    versions: [1, "3"]\n' });
    expect(readModelConfig(root, 'm')).toMatchObject({
      maxBatchSize: 8,
      dynamicBatching: { preferredBatchSizes: [2, 4], maxQueueDelayMs: 0.5 },
      instanceCount: 2,
      versionPolicy: { kind: 'specific', versions: ['1', '3'] },
      refuseNonFinite: false,
    });
  });
});

describe.skipIf(!fixtures)('model configuration and statistics served', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('config.json values reach the batcher and sessions and come back in Triton shape; defaults from the ONNX file', async () => {
    const repo = makeRepository(fixtures!, [
      ['configured', '1', 'mnist-mlp'],
      ['configured', '2', 'mnist-mlp'],
      ['plain', '1', 'mnist-mlp'],
    ]);
    writeFileSync(
      join(repo, 'configured', 'config.json'),
      JSON.stringify({
        max_batch_size: 8,
        dynamic_batching: { preferred_batch_size: [4], max_queue_delay_microseconds: 500 },
        instance_group: [{ count: 2, kind: 'KIND_CPU' }],
        parameters: { intra_op_thread_count: { string_value: '1' } },
        version_policy: { latest: { num_versions: 1 } },
        input: [{ name: 'input', data_type: 'TYPE_FP32' }],
        twinml: { refuse_non_finite_inputs: true },
      }),
    );
    const server = await startServer({ models: repo, port: 0, batching: { maxBatchSize: 32, maxQueueDelayMs: 3 } });
    servers.push(server);
    const configured = (await call(server.url, '/v2/models/configured/config')).body;
    expect(configured).toMatchObject({
      name: 'configured',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      max_batch_size: 8,
      version_policy: { latest: { num_versions: 1 } },
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [784] }],
      output: [{ name: 'logits', data_type: 'TYPE_FP32', dims: [10] }],
      dynamic_batching: { preferred_batch_size: [4], max_queue_delay_microseconds: 500 },
      instance_group: [{ kind: 'KIND_CPU', count: 2 }],
      parameters: { intra_op_thread_count: { string_value: '1' } },
      twinml: { refuse_non_finite_inputs: true },
    });
    const v = server.repository.get('configured')!;
    expect([v.version, server.repository.versions('configured')]).toEqual(['2', ['2']]);
    expect([v.model.parallelism, v.batcher.maxBatchSize, v.batcher.maxQueueDelayMs]).toEqual([2, 8, 0.5]);

    const plain = (await call(server.url, '/v2/models/plain/versions/1/config')).body;
    expect(plain).toMatchObject({ max_batch_size: 32, dynamic_batching: { preferred_batch_size: [], max_queue_delay_microseconds: 3000 }, version_policy: { all: {} } });
  });

  it('non-finite inputs pass through by default (as Triton) and are refused when the config says so', async () => {
    const repo = makeRepository(fixtures!, [
      ['open', '1', 'mnist-mlp'],
      ['strict', '1', 'mnist-mlp'],
    ]);
    writeFileSync(join(repo, 'strict', 'config.yaml'), 'dynamic_batching: {}\ntwinml:\n  refuse_non_finite_inputs: true\n');
    const server = await startServer({ models: repo, port: 0 });
    servers.push(server);
    const inf = `{"inputs":[{"name":"input","shape":[1,784],"datatype":"FP32","data":[1e999${',0'.repeat(783)}]}]}`;
    const open = await call(server.url, '/v2/models/open/infer', { body: inf });
    expect(open.status).toBe(200);
    expect(open.body.outputs).toMatchObject([{ name: 'logits', shape: [1, 10] }]);
    expect((await rawRequest(server.url, 'POST', '/v2/models/open/infer', binaryNaN().body, binaryNaN().headers)).status).toBe(200);
    const strict = await call(server.url, '/v2/models/strict/infer', { body: inf });
    expect([strict.status, strict.body.error]).toEqual([400, expect.stringContaining('Infinity is not allowed')]);
    const strictBinary = await rawRequest(server.url, 'POST', '/v2/models/strict/infer', binaryNaN().body, binaryNaN().headers);
    expect(strictBinary.status).toBe(400);
    expect(strictBinary.text).toContain('NaN is not allowed');
  });

  it('a bad config.json stops start-up naming the file; with exitOnError false the model is UNAVAILABLE with that reason', async () => {
    const repo = makeRepository(fixtures!, [
      ['good', '1', 'mnist-mlp'],
      ['bad', '1', 'mnist-mlp'],
    ]);
    writeFileSync(join(repo, 'bad', 'config.json'), '{"max_batch_size": "lots"}');
    await expect(startServer({ models: repo, port: 0 })).rejects.toThrow(`${join(repo, 'bad', 'config.json')}: max_batch_size must be an integer >= 0, got "lots"`);
    const server = await startServer({ models: repo, port: 0, exitOnError: false });
    servers.push(server);
    expect(server.repository.index().find((r) => r.name === 'bad')).toMatchObject({ state: 'UNAVAILABLE', reason: expect.stringContaining('max_batch_size must be an integer') });
    expect((await call(server.url, '/v2/models/good/ready')).status).toBe(200);
  });

  it('statistics: success and failure counts, rows, executions and phase times per version; /v2/models/stats lists all', async () => {
    const repo = makeRepository(fixtures!, [
      ['m', '1', 'mnist-mlp'],
      ['m', '2', 'mnist-mlp'],
    ]);
    const server = await startServer({ models: repo, port: 0, batching: { maxBatchSize: 64, maxQueueDelayMs: 20 } });
    servers.push(server);
    const zeros = Array(784).fill(0);
    // 5 concurrent requests (1 + 2 + 1 + 1 + 3 rows... 8 rows) batched together, plus 2 failures.
    const rows = [1, 2, 1, 1, 3];
    await Promise.all(rows.map((n) => call(server.url, '/v2/models/m/infer', { body: mlp(Array(784 * n).fill(0.5), n) })));
    expect((await call(server.url, '/v2/models/m/infer', { body: mlp([1, 2]) })).status).toBe(400);
    expect((await call(server.url, '/v2/models/m/versions/1/infer', { body: mlp(zeros) })).status).toBe(200);
    const all = (await call(server.url, '/v2/models/stats')).body.model_stats as StatsRow[];
    expect(all.map((s) => [s.name, s.version])).toEqual([
      ['m', '1'],
      ['m', '2'],
    ]);
    const v2 = (await call(server.url, '/v2/models/m/versions/2/stats')).body.model_stats as StatsRow[];
    expect(v2).toHaveLength(1);
    const s = v2[0]!;
    expect(s.inference_stats.success!.count).toBe(5);
    expect(s.inference_stats.fail!.count).toBe(1);
    expect(s.inference_count).toBe(8);
    expect(s.execution_count).toBeGreaterThanOrEqual(1);
    expect(s.execution_count).toBeLessThan(5); // batched
    for (const phase of ['queue', 'compute_input', 'compute_infer', 'compute_output']) {
      expect(s.inference_stats[phase]!.count).toBe(5);
      expect(s.inference_stats[phase]!.ns).toBeGreaterThan(0);
    }
    expect(s.inference_stats.success!.ns).toBeGreaterThanOrEqual(s.inference_stats.compute_infer!.ns / s.execution_count);
    expect(s.batch_stats.reduce((n: number, b) => n + b.compute_infer.count, 0)).toBe(s.execution_count);
    const byName = (await call(server.url, '/v2/models/m/stats')).body.model_stats as StatsRow[];
    expect(byName.map((x) => [x.version, x.inference_count])).toEqual([
      ['1', 1],
      ['2', 8],
    ]);
    expect((await call(server.url, '/v2/models/nope/stats')).status).toBe(404);
  });
});
