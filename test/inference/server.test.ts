/** The OIP v2 server over real HTTP on 127.0.0.1 (random free port): every endpoint, errors, auth, limits, batching. */
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/inference/index.js';
import { fixtureModels, reference } from './fixtures/models.js';
import { call, makeRepository, rawRequest, serveDuringSuite } from './http-helpers.js';

const fixtures = fixtureModels('inference server');

describe.skipIf(!fixtures)('OIP v2 server', () => {
  const live = serveDuringSuite(
    fixtures!,
    [
      ['mnist-mlp', '1', 'mnist-mlp'],
      ['two-io', '1', 'two-io'],
      ['two-io', '2', 'two-io'],
      ['dtypes', '1', 'dtypes'],
    ],
    { batching: { maxBatchSize: 64, maxQueueDelayMs: 20 } },
  );

  it('binds loopback and answers /v2 and health', async () => {
    expect(live.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call(live.url, '/v2')).body).toEqual({ name: 'twinml', version: '0.1.0', extensions: ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics', 'generate'] });
    expect(await call(live.url, '/v2/health/live')).toMatchObject({ status: 200, body: { live: true } });
    expect(await call(live.url, '/v2/health/ready')).toMatchObject({ status: 200, body: { ready: true } });
  });

  it('model metadata and readiness, newest version by default', async () => {
    const meta = await call(live.url, '/v2/models/two-io');
    expect(meta.status).toBe(200);
    expect(meta.body).toEqual({
      name: 'two-io',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [-1, 3] },
        { name: 'b', datatype: 'INT64', shape: [-1, 2] },
      ],
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [-1, 3] },
        { name: 'z', datatype: 'INT64', shape: [-1, 2] },
      ],
    });
    expect((await call(live.url, '/v2/models/two-io/versions/1')).body.name).toBe('two-io');
    const mlp = await call(live.url, '/v2/models/mnist-mlp');
    expect((mlp.body.parameters as { labels: string[] }).labels).toHaveLength(10);
    expect((await call(live.url, '/v2/models/two-io/ready')).body).toEqual({ name: 'two-io', version: '2', ready: true });
    expect((await call(live.url, '/v2/models/two-io/versions/1/ready')).body).toEqual({ name: 'two-io', version: '1', ready: true });
  });

  it('infers a model with two inputs, two outputs and int64 data (exact beyond 2^53 as strings)', async () => {
    const big = 2n ** 60n + 1n;
    const res = await call(live.url, '/v2/models/two-io/versions/1/infer', {
      body: {
        id: 'req-1',
        inputs: [
          { name: 'a', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, -6] },
          { name: 'b', shape: [2, 2], datatype: 'INT64', data: [1, 2, 3, big.toString()] },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.model_name).toBe('two-io');
    expect(res.body.model_version).toBe('1');
    expect(res.body.id).toBe('req-1');
    const outputs = res.body.outputs as Array<{ name: string; datatype: string; shape: number[]; data: number[] }>;
    // y = 2a + float32(sum(b, axis 1)); z = 3b, by hand
    expect(outputs[0]).toEqual({ name: 'y', datatype: 'FP32', shape: [2, 3], data: [5, 7, 9, 8 + Number(3n + big), 10 + Number(3n + big), -12 + Number(3n + big)].map(Math.fround) });
    expect(outputs[1]!.name).toBe('z');
    expect(outputs[1]!.datatype).toBe('INT64');
    // int64 stays exact in the response text
    expect(res.text).toContain(`"data":[3,6,9,${(3n * big) % 2n ** 64n >= 2n ** 63n ? (3n * big) % 2n ** 64n - 2n ** 64n : (3n * big) % 2n ** 64n}]`);
    const onlyZ = await call(live.url, '/v2/models/two-io/infer', {
      body: {
        inputs: [
          { name: 'b', shape: [1, 2], datatype: 'INT64', data: [[5, 6]] },
          { name: 'a', shape: [1, 3], datatype: 'FP32', data: [[0, 0, 0]] },
        ],
        outputs: [{ name: 'z' }],
      },
    });
    expect(onlyZ.status).toBe(200);
    expect(onlyZ.body.model_version).toBe('2');
    expect(onlyZ.body.id).toBeUndefined();
    expect(onlyZ.body.outputs).toEqual([{ name: 'z', datatype: 'INT64', shape: [1, 2], data: [15, 18] }]);
  });

  it('infers the torch.onnx.export MLP and matches PyTorch', async () => {
    const ref = reference(fixtures!, 'mnist-mlp');
    const res = await call(live.url, '/v2/models/mnist-mlp/infer', {
      body: { inputs: [{ name: 'input', shape: [3, 784], datatype: 'FP32', data: ref.input.flat() }] },
    });
    expect(res.status).toBe(200);
    const out = (res.body.outputs as Array<{ data: number[]; shape: number[] }>)[0]!;
    expect(out.shape).toEqual([3, 10]);
    const expected = ref.output.flat();
    const maxDiff = Math.max(...out.data.map((v, i) => Math.abs(v - expected[i]!)));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('BOOL, UINT8, FP16, UINT64 and FP64 over the wire', async () => {
    const inputs = [
      { name: 'in_f64', datatype: 'FP64', data: [0.1, -2] },
      { name: 'in_i32', datatype: 'INT32', data: [1, -1] },
      { name: 'in_u8', datatype: 'UINT8', data: [0, 255] },
      { name: 'in_b', datatype: 'BOOL', data: [true, false] },
      { name: 'in_i8', datatype: 'INT8', data: [-128, 1] },
      { name: 'in_i16', datatype: 'INT16', data: [300, -300] },
      { name: 'in_u16', datatype: 'UINT16', data: [1, 65535] },
      { name: 'in_f16', datatype: 'FP16', data: [0.5, 1.5] },
      { name: 'in_u32', datatype: 'UINT32', data: [1, 4294967295] },
      { name: 'in_u64', datatype: 'UINT64', data: ['18446744073709551615', 2] },
    ].map((t) => ({ ...t, shape: [2] }));
    const res = await call(live.url, '/v2/models/dtypes/infer', { body: { inputs } });
    expect(res.status).toBe(200);
    const byName = Object.fromEntries((res.body.outputs as Array<{ name: string; data: unknown[] }>).map((o) => [o.name, o.data]));
    expect(byName.out_f64).toEqual([0.1, -2]);
    expect(byName.out_b).toEqual([true, false]);
    expect(byName.out_f16).toEqual([0.5, 1.5]);
    expect(byName.out_u8).toEqual([0, 255]);
    expect(res.text).toContain('"data":[18446744073709551615,2]');
  });

  const mlpInput = (data: unknown, shape: unknown = [1, 784], extra: Record<string, unknown> = {}) => ({
    inputs: [{ name: 'input', shape, datatype: 'FP32', data, ...extra }],
  });
  const zeros = Array(784).fill(0);
  const cases: Array<[string, string, unknown, number, string]> = [
    ['malformed JSON', '/v2/models/mnist-mlp/infer', '{"inputs": [', 400, 'malformed JSON'],
    ['empty body', '/v2/models/mnist-mlp/infer', '', 400, 'body is empty'],
    ['unknown model', '/v2/models/nope/infer', mlpInput(zeros), 404, 'unknown model "nope"'],
    ['unknown version', '/v2/models/mnist-mlp/versions/9/infer', mlpInput(zeros), 404, 'has no version "9"'],
    ['name with ..', '/v2/models/..%2F..%2Fetc/infer', mlpInput(zeros), 400, 'must not contain ".."'],
    ['name with /', '/v2/models/a%2Fb', undefined, 400, 'must not contain'],
    ['version with ..', '/v2/models/mnist-mlp/versions/1..2', undefined, 400, 'must not contain'],
    ['name with a backslash', '/v2/models/a%5C..%5Cb/ready', undefined, 400, 'must not contain'],
    ['name with odd characters', '/v2/models/%00evil', undefined, 400, 'may only use letters'],
    ['missing inputs', '/v2/models/mnist-mlp/infer', { id: 'x' }, 400, "must have required property 'inputs'"],
    ['missing input', '/v2/models/two-io/infer', { inputs: [{ name: 'a', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }, 400, 'missing input "b"'],
    ['extra input', '/v2/models/mnist-mlp/infer', { inputs: [...mlpInput(zeros).inputs, { name: 'extra', shape: [1], datatype: 'FP32', data: [1] }] }, 400, 'unknown input "extra"'],
    ['duplicate input', '/v2/models/mnist-mlp/infer', { inputs: [...mlpInput(zeros).inputs, ...mlpInput(zeros).inputs] }, 400, 'given twice'],
    ['wrong datatype', '/v2/models/mnist-mlp/infer', { inputs: [{ name: 'input', shape: [1, 784], datatype: 'INT32', data: zeros }] }, 400, 'has datatype "INT32" but the model expects FP32'],
    ['bogus datatype', '/v2/models/mnist-mlp/infer', { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FLOAT', data: zeros }] }, 400, 'not an OIP datatype'],
    ['shape vs data length', '/v2/models/mnist-mlp/infer', mlpInput([1, 2, 3]), 400, 'has 3 values but shape [1, 784] needs 784'],
    ['shape vs model', '/v2/models/mnist-mlp/infer', mlpInput([1, 2, 3], [1, 3]), 400, 'expects float32 [batch, 784]'],
    ['negative shape', '/v2/models/mnist-mlp/infer', mlpInput(zeros, [-1, 784]), 400, 'must be >= 0'],
    ['NaN as a string', '/v2/models/mnist-mlp/infer', mlpInput(['NaN', ...zeros.slice(1)]), 400, '"NaN" is not a number'],
    // Non-finite values pass through by default (as Triton); their refusal is tested in model-config.test.ts.
    ['null element', '/v2/models/mnist-mlp/infer', mlpInput([null, ...zeros.slice(1)]), 400, 'null is not a number'],
    ['non-integer int64', '/v2/models/two-io/infer', { inputs: [{ name: 'a', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }, { name: 'b', shape: [1, 2], datatype: 'INT64', data: [1.5, 2] }] }, 400, '1.5 is not an integer'],
    ['unknown output', '/v2/models/mnist-mlp/infer', { ...mlpInput(zeros), outputs: [{ name: 'probs' }] }, 400, 'unknown output "probs"'],
    ['unknown route', '/v3/anything', undefined, 404, 'no route GET /v3/anything'],
    ['body is an array', '/v2/models/mnist-mlp/infer', [1, 2], 400, 'body must be object'],
  ];
  for (const [what, path, body, status, message] of cases) {
    it(`${what} -> ${status} JSON error`, async () => {
      const res = await call(live.url, path, { body });
      expect(res.status).toBe(status);
      expect(Object.keys(res.body)).toEqual(['error']);
      expect(res.body.error).toContain(message);
      expect(res.text).not.toContain(live.server.repository.root);
    });
  }

  it('raw dot segments in the path (not normalised by the client) never reach the file system', async () => {
    for (const path of ['/v2/models/../../etc/passwd', '/v2/models/mnist-mlp/versions/../ready', '/v2/models/%2e%2e/ready']) {
      const res = await rawRequest(live.url, 'GET', path);
      expect([400, 404]).toContain(res.status);
      expect(Object.keys(JSON.parse(res.text))).toEqual(['error']);
      expect(res.text).not.toContain(live.server.repository.root);
    }
  });

  it('dynamic batching merges concurrent requests and splits the answers correctly', async () => {
    const before = await call(live.url, '/metrics');
    const count = (text: string) => Number(/twinml_batch_size_count\{model="mnist-mlp",version="1"\} (\d+)/.exec(text)?.[1] ?? 0);
    const inputs = Array.from({ length: 24 }, (_, r) => Array.from({ length: 784 }, (_, i) => ((i * 7 + r * 13) % 17) / 17));
    const responses = await Promise.all(
      inputs.map((data) => call(live.url, '/v2/models/mnist-mlp/infer', { body: mlpInput(data) })),
    );
    const together = await call(live.url, '/v2/models/mnist-mlp/infer', { body: mlpInput(inputs.flat(), [24, 784]) });
    const all = (together.body.outputs as Array<{ data: number[] }>)[0]!.data;
    responses.forEach((res, r) => {
      expect(res.status).toBe(200);
      const row = (res.body.outputs as Array<{ data: number[] }>)[0]!.data;
      const expected = all.slice(r * 10, r * 10 + 10);
      expect(Math.max(...row.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThan(1e-5);
    });
    const after = await call(live.url, '/metrics');
    const runs = count(after.text) - count(before.text);
    expect(runs).toBeLessThan(24); // 24 requests + 1 batch request ran in fewer session runs
  });

  it('exposes Prometheus metrics: requests, failures, latency, batch sizes, queue time', async () => {
    const res = await fetch(live.url + '/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of [
      'twinml_http_requests_total{route="/v2/models/:name/infer",method="POST",status="200"}',
      'twinml_inference_requests_total{model="mnist-mlp",version="1"}',
      'twinml_inference_failures_total{model="mnist-mlp",version="1",reason="client"}',
      'twinml_inference_request_duration_seconds_bucket',
      'twinml_batch_size_bucket',
      'twinml_queue_time_seconds_bucket',
      'twinml_process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
  });
});

describe.skipIf(!fixtures)('server limits, token and shutdown', () => {
  it('rejects an oversized body with 413 JSON and keeps serving', async () => {
    const repo = makeRepository(fixtures!, [['mnist-mlp', '1', 'mnist-mlp']]);
    const server = await startServer({ models: repo, port: 0, bodyLimitBytes: 4096 });
    try {
      const big = await call(server.url, '/v2/models/mnist-mlp/infer', { body: { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: Array(784).fill(0.123456) }] } });
      expect(big.status).toBe(413);
      expect(big.body).toEqual({ error: 'request body is larger than the limit of 4096 bytes' });
      expect((await call(server.url, '/v2/health/live')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('requires the bearer token except for health checks', async () => {
    const repo = makeRepository(fixtures!, [['mnist-mlp', '1', 'mnist-mlp']]);
    const server = await startServer({ models: repo, port: 0, token: 's3cret' });
    try {
      const none = await call(server.url, '/v2/models/mnist-mlp');
      expect(none.status).toBe(401);
      expect(none.body.error).toContain('bearer token');
      expect((await call(server.url, '/v2/models/mnist-mlp', { headers: { authorization: 'Bearer wrong!' } })).status).toBe(401);
      expect((await call(server.url, '/metrics', { headers: {} })).status).toBe(401);
      expect((await call(server.url, '/v2/models/mnist-mlp', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
      expect((await call(server.url, '/v2/health/ready')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('close(): in-flight requests finish, new ones are refused', async () => {
    const repo = makeRepository(fixtures!, [['mnist-mlp', '1', 'mnist-mlp']]);
    // A long queue delay keeps the four requests in flight (waiting for a batch) while close() starts.
    const server = await startServer({ models: repo, port: 0, batching: { maxBatchSize: 64, maxQueueDelayMs: 800 } });
    const body = { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: Array(784).fill(0.5) }] };
    const inFlight = Array.from({ length: 4 }, () => call(server.url, '/v2/models/mnist-mlp/infer', { body }));
    const received = async () => Number(/twinml_inference_requests_total\{[^}]*\} (\d+)/.exec((await call(server.url, '/metrics')).text)?.[1] ?? 0);
    while ((await received()) < 4) await new Promise((r) => setTimeout(r, 2));
    let finished = 0;
    inFlight.forEach((p) => void p.then(() => finished++, () => finished++));
    const closing = server.close();
    expect(finished).toBe(0);
    const late = await call(server.url, '/v2/health/live').then(
      (r) => r.status,
      () => 'refused',
    );
    const done = await Promise.all(inFlight);
    await closing;
    expect(done.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(done.every((r) => (r.body.outputs as Array<{ shape: number[] }>)[0]!.shape[0] === 1)).toBe(true);
    expect([503, 'refused']).toContain(late);
    await expect(call(server.url, '/v2/health/live')).rejects.toThrow();
  });
});
