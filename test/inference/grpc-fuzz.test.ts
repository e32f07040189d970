/**
 * Seeded fuzz of the gRPC service (inference.GRPCInferenceService): >= 1,000 malformed calls (undecodable bytes,
 * valid messages with wrong dtypes, shapes, sizes, names, content fields, non-finite values where the model's config
 * refuses them, bad tokens) get the status code that says why (INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE,
 * UNAUTHENTICATED...), never INTERNAL/UNKNOWN, never a crash; a valid call still works afterwards.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/inference/index.js';
import { Rng } from '../../src/util/rng.js';
import { fixtureModels } from './fixtures/models.js';
import { makeRepository } from './http-helpers.js';

const fixtures = fixtureModels('gRPC fuzz');
const SEED = 20261205;
const COUNT = 1200;
const TOKEN = 'fuzz-token';
const PROTO_DIR = join(import.meta.dirname, '..', '..', 'src', 'inference', 'server', 'grpc', 'proto');
const SERVICE = '/inference.GRPCInferenceService/';

const definition = protoLoader.loadSync(join(PROTO_DIR, 'grpc_service.proto'), { keepCase: true, longs: String, enums: String, includeDirs: [PROTO_DIR] });
const methods = definition['inference.GRPCInferenceService'] as unknown as Record<string, { requestSerialize(v: unknown): Buffer; responseDeserialize(b: Buffer): unknown }>;

type Json = Record<string, unknown>;
interface Call {
  kind: string;
  method: string;
  bytes: Buffer;
  token?: string;
  /** Codes this call may get. */
  expect: grpc.status[];
}

const pick = <T>(rng: Rng, list: readonly T[]): T => list[rng.randint(list.length)]!;
const BAD_ARG = [grpc.status.INVALID_ARGUMENT];

function f32(values: number[]): Buffer {
  return Buffer.from(new Float32Array(values).buffer);
}

function validMlp(rng: Rng): Json {
  const rows = 1 + rng.randint(2);
  return {
    model_name: 'mnist-mlp',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 784] }],
    raw_input_contents: [f32(Array.from({ length: rows * 784 }, () => rng.random()))],
  };
}

const infer = (kind: string, message: Json, expectCodes = BAD_ARG): Call => ({ kind, method: 'ModelInfer', bytes: methods.ModelInfer!.requestSerialize(message), expect: expectCodes });

const generators: Array<(rng: Rng) => Call> = [
  (rng) => ({ kind: 'random bytes', method: pick(rng, ['ModelInfer', 'ModelMetadata', 'ModelConfig', 'RepositoryModelLoad', 'ModelStatistics']), bytes: Buffer.from(Array.from({ length: 1 + rng.randint(200) }, () => rng.randint(256))), expect: [...BAD_ARG, grpc.status.NOT_FOUND, grpc.status.OK] }),
  (rng) => {
    const good = methods.ModelInfer!.requestSerialize(validMlp(rng));
    return { kind: 'truncated message', method: 'ModelInfer', bytes: good.subarray(0, 1 + rng.randint(good.length - 1)), expect: [...BAD_ARG, grpc.status.NOT_FOUND] };
  },
  (rng) => infer('wrong datatype', { ...validMlp(rng), inputs: [{ name: 'input', datatype: pick(rng, ['FP64', 'INT32', 'FP16', 'BOOL', 'BYTES', 'fp32', '']), shape: [1, 784] }] }),
  (rng) => infer('wrong shape', { ...validMlp(rng), inputs: [{ name: 'input', datatype: 'FP32', shape: pick(rng, [[784], [1, 783], [3, 784], [1, 28, 28], [], [-1, 784], ['99999999999999', 784]]) }] }),
  (rng) => infer('raw size not a multiple of 4', { ...validMlp(rng), inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784] }], raw_input_contents: [Buffer.alloc(3135)] }),
  (rng) => infer('raw blocks vs inputs', { ...validMlp(rng), raw_input_contents: [f32(Array(784).fill(0)), f32(Array(784).fill(0))].slice(0, rng.randint(2) === 0 ? 2 : 2) }),
  (rng) => infer('contents of another type', { model_name: 'mnist-mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], contents: pick(rng, [{ int_contents: [1, 2, 3] }, { fp64_contents: [1, 2, 3] }, { bool_contents: [true, false, true] }]) }] }),
  (rng) => infer('contents and raw', { ...validMlp(rng), inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784], contents: { fp32_contents: Array(784).fill(0) } }] }),
  (rng) => infer('contents length vs shape', { model_name: 'mnist-mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784], contents: { fp32_contents: Array(1 + rng.randint(700)).fill(0.5) } }] }),
  (rng) => {
    const values = Array(784).fill(0.5);
    values[rng.randint(784)] = pick(rng, [NaN, Infinity, -Infinity]);
    return infer('non-finite float (config refuses)', { model_name: 'mnist-mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784] }], raw_input_contents: [f32(values)] });
  },
  (rng) => infer('unknown input', { ...validMlp(rng), inputs: [{ name: pick(rng, ['inputs', '', 'x'.repeat(300), 'a']), datatype: 'FP32', shape: [1, 784] }] }),
  (rng) => infer('no inputs', { model_name: 'mnist-mlp', raw_input_contents: rng.randint(2) ? [] : [Buffer.alloc(4)] }),
  (rng) => infer('unknown output', { ...validMlp(rng), outputs: [{ name: pick(rng, ['output', 'LOGITS', '']) }] }),
  (rng) => infer('unknown or unsafe model', { ...validMlp(rng), model_name: pick(rng, ['nope', '', '../mnist-mlp', 'a/b', 'mnist-mlp\u0000']) }, [...BAD_ARG, grpc.status.NOT_FOUND]),
  (rng) => infer('unknown version', { ...validMlp(rng), model_version: pick(rng, ['2', '0', '..', '1 ']) }, [...BAD_ARG, grpc.status.NOT_FOUND]),
  (rng) => infer('int64 out of range / fractional', { model_name: 'two-io', inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }, { name: 'b', datatype: 'INT64', shape: [1, 2], contents: { int64_contents: ['1'] } }] }),
  (rng) => infer('missing input', { model_name: 'two-io', inputs: [{ name: pick(rng, ['a', 'b']), datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }] }),
  (rng) => ({ ...infer('wrong token', validMlp(rng), [grpc.status.UNAUTHENTICATED]), token: pick(rng, ['', 'Bearer nope', `Bearer ${TOKEN}x`, TOKEN]) }),
  (rng) => ({ kind: 'unload in mode none', method: pick(rng, ['RepositoryModelLoad', 'RepositoryModelUnload']), bytes: methods.RepositoryModelLoad!.requestSerialize({ model_name: pick(rng, ['mnist-mlp', 'nope']) }), expect: BAD_ARG }),
  (rng) => ({ kind: 'metadata of unknown model', method: pick(rng, ['ModelMetadata', 'ModelConfig', 'ModelStatistics']), bytes: methods.ModelMetadata!.requestSerialize({ name: pick(rng, ['nope', '..', 'mnist-mlp']), version: pick(rng, ['', '7', '/']) }), expect: [...BAD_ARG, grpc.status.NOT_FOUND, grpc.status.OK] }),
];

function callRaw(client: grpc.Client, c: Call): Promise<{ code: grpc.status; details: string; response?: Buffer }> {
  const metadata = new grpc.Metadata();
  const token = c.token ?? `Bearer ${TOKEN}`;
  if (token) metadata.set('authorization', token);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      SERVICE + c.method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      c.bytes,
      metadata,
      { deadline: Date.now() + 30_000 },
      (error, response) => resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '', response }),
    );
  });
}

describe.skipIf(!fixtures)('fuzzing the gRPC service', () => {
  let server: RunningServer;
  let client: grpc.Client;
  beforeAll(async () => {
    const repo = makeRepository(fixtures!, [
      ['mnist-mlp', '1', 'mnist-mlp'],
      ['two-io', '1', 'two-io'],
    ]);
    writeFileSync(join(repo, 'mnist-mlp', 'config.json'), JSON.stringify({ dynamic_batching: {}, twinml: { refuse_non_finite_inputs: true } }));
    server = await startServer({ models: repo, port: 0, grpcPort: 0, token: TOKEN, bodyLimitBytes: 64 * 1024, batching: { maxBatchSize: 16, maxQueueDelayMs: 1 } });
    client = new grpc.Client(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it(`${COUNT} seeded malformed calls: the right status codes, no crash, still serving`, { timeout: 120_000 }, async () => {
    const rng = new Rng(SEED);
    const calls = Array.from({ length: COUNT }, () => pick(rng, generators)(rng));
    const failures: string[] = [];
    const counts = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < calls.length) {
        const c = calls[next++]!;
        const r = await callRaw(client, c);
        counts.set(grpc.status[r.code]!, (counts.get(grpc.status[r.code]!) ?? 0) + 1);
        if (!c.expect.includes(r.code) || (r.code !== grpc.status.OK && !r.details)) failures.push(`${c.kind} ${c.method} -> ${grpc.status[r.code]} ${r.details.slice(0, 200)}`);
        if (r.details.includes(server.repository.root)) failures.push(`${c.kind}: leaks the repository path: ${r.details}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(`gRPC fuzz: ${COUNT} calls, status counts ${JSON.stringify(Object.fromEntries(counts))}`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(new Set(calls.map((c) => c.kind)).size).toBe(generators.length);

    const ok = await callRaw(client, infer('valid', { ...validMlp(new Rng(1)), model_name: 'mnist-mlp' }, [grpc.status.OK]));
    expect(grpc.status[ok.code]).toBe('OK');
    const answer = methods.ModelInfer!.responseDeserialize(ok.response!) as { outputs: Array<{ name: string; shape: string[] }>; raw_output_contents: Buffer[] };
    expect(answer.outputs[0]).toMatchObject({ name: 'logits', datatype: 'FP32' });
    expect(answer.raw_output_contents[0]!.length).toBe(Number(answer.outputs[0]!.shape[0]) * 10 * 4);
    const health = await fetch(`${server.url}/v2/health/live`);
    expect(health.status).toBe(200);
  });

  it('a message larger than the limit gets RESOURCE_EXHAUSTED and the server keeps serving', async () => {
    const big = infer('too large', { model_name: 'mnist-mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [40, 784] }], raw_input_contents: [f32(Array(40 * 784).fill(0))] });
    const r = await callRaw(client, big);
    expect(grpc.status[r.code]).toBe('RESOURCE_EXHAUSTED');
    const live = await callRaw(client, { kind: 'live', method: 'ServerLive', bytes: Buffer.alloc(0), expect: [grpc.status.OK] });
    expect(live.code).toBe(grpc.status.OK);
  });
});
