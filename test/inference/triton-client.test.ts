/**
 * Triton's own Python client (tritonclient 2.x, HTTP and gRPC) against `twinml serve` on the shipped models/:
 * live, ready, server and model metadata, model config, infer (JSON and binary over HTTP; gRPC), statistics,
 * repository index, unload followed by load, and a NOT_FOUND/404 for an unknown model. The logits must equal
 * onnxruntime's own answer for the same pixels.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, startServer, type RunningServer } from '../../src/inference/index.js';
import { Rng } from '../../src/util/rng.js';
import { packageRoot } from '../../src/util/paths.js';
import { runPython, tritonClientPython } from './triton-python.js';

const python = tritonClientPython('triton-client.test.ts');
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'python', 'triton_client_check.py');

type Row = Record<string, unknown>;

describe.skipIf(!python)("Triton's Python client against twinml serve", () => {
  let server: RunningServer;
  let result: Record<'http' | 'grpc', Row>;
  let expected: number[][];
  const rng = new Rng(20);
  const pixels = Float32Array.from({ length: 2 * 784 }, () => rng.random());

  beforeAll(async () => {
    const models = join(packageRoot(), 'models');
    server = await startServer({ models, port: 0, grpcPort: 0, modelControlMode: 'explicit', loadModels: ['*'] });
    const file = join(mkdtempSync(join(tmpdir(), 'twinml-triton-')), 'pixels.f32');
    writeFileSync(file, Buffer.from(pixels.buffer));
    const reference = await loadModel(join(models, 'mnist-mlp', '1'), { workers: 0 });
    const out = Object.values(await reference.predict({ data: pixels, shape: [2, 1, 28, 28] }))[0]!;
    expected = [Array.from(out.data as Float32Array).slice(0, 10), Array.from(out.data as Float32Array).slice(10, 20)];
    await reference.close();
    const host = '127.0.0.1';
    const stdout = await runPython(python!, [SCRIPT, `${host}:${server.port}`, `${host}:${server.grpcPort}`, file]);
    result = JSON.parse(stdout) as typeof result;
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  const close = (got: unknown) => {
    const rows = got as number[][];
    expect(rows).toHaveLength(2);
    rows.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!)).toBeLessThanOrEqual(1e-6)));
  };

  for (const proto of ['http', 'grpc'] as const) {
    describe(proto, () => {
      it('health and metadata', () => {
        const r = result[proto];
        expect([r.live, r.ready, r.model_ready]).toEqual([true, true, true]);
        expect(r.server_metadata).toMatchObject({ name: 'twinml', extensions: expect.arrayContaining(['model_repository', 'model_configuration', 'statistics']) });
        const meta = r.model_metadata as Row;
        expect(meta).toMatchObject({ name: 'mnist-cnn', platform: 'onnxruntime_onnx', versions: ['1'] });
        expect((meta.inputs as Row[])[0]).toMatchObject({ name: 'input', datatype: 'FP32' });
        expect((meta.inputs as Row[])[0]!.shape!.toString()).toBe('-1,1,28,28');
      });

      it('model config in Triton shape', () => {
        const r = result[proto];
        const config = (proto === 'grpc' ? (r.model_config as Row).config : r.model_config) as Row;
        expect(config).toMatchObject({ name: 'mnist-mlp', platform: 'onnxruntime_onnx', max_batch_size: 64 });
        expect((config.input as Row[])[0]).toMatchObject({ name: 'input', data_type: 'TYPE_FP32' });
        expect((config.input as Row[])[0]!.dims!.toString()).toBe('1,28,28');
        expect((config.output as Row[])[0]!.dims!.toString()).toBe('10');
        expect(config.dynamic_batching).toMatchObject({ max_queue_delay_microseconds: proto === 'grpc' ? '2000' : 2000 });
      });

      it('infer returns onnxruntime’s logits', () => {
        const r = result[proto];
        if (proto === 'http') {
          close(r.infer_json);
          close(r.infer_binary);
        } else close(r.infer);
      });

      it('statistics count the inferences', () => {
        const stats = (result[proto].stats as { model_stats: Row[] }).model_stats;
        expect(stats).toHaveLength(1);
        const s = stats[0]!;
        expect(s).toMatchObject({ name: 'mnist-mlp', version: '1' });
        const success = (s.inference_stats as Record<string, Row>).success!;
        // HTTP ran 2 requests (JSON, binary); gRPC sees those plus its own (2 rows each).
        expect(Number(success.count)).toBe(proto === 'http' ? 2 : 3);
        expect(Number(s.inference_count)).toBe(proto === 'http' ? 4 : 6);
        expect(Number(success.ns)).toBeGreaterThan(0);
        for (const phase of ['queue', 'compute_input', 'compute_infer', 'compute_output']) {
          expect(Number((s.inference_stats as Record<string, Row>)[phase]!.count)).toBe(Number(success.count));
        }
        expect(Number(s.last_inference)).toBeGreaterThan(Date.now() - 600_000);
      });

      it('repository index, unload, load', () => {
        const r = result[proto];
        const list = (x: unknown) => (proto === 'grpc' ? ((x as Row).models as Row[]) : (x as Row[]));
        expect(list(r.index).map((m) => [m.name, m.version, m.state])).toEqual([
          ['mnist-cnn', '1', 'READY'],
          ['mnist-mlp', '1', 'READY'],
        ]);
        expect(r.cnn_ready_after_unload).toBe(false);
        expect(list(r.index_after_unload).find((m) => m.name === 'mnist-cnn')).toMatchObject({ state: 'UNAVAILABLE', reason: 'unloaded' });
        expect(r.cnn_ready_after_load).toBe(true);
        expect(r.unknown_model_error).toMatchObject({ status: proto === 'http' ? '404' : 'StatusCode.NOT_FOUND', message: expect.stringContaining('unknown model "no-such-model"') });
      });
    });
  }
});
