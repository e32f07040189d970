/**
 * The binary tensor data extension over real HTTP: requests whose tensors are raw little-endian bytes after the JSON
 * header (Inference-Header-Content-Length), binary outputs, mixed JSON/binary tensors, every dtype, the client
 * helpers, and a 400 JSON error for each malformed header, length or block.
 */
import { describe, expect, it } from 'vitest';
import { decodeInferResponse, encodeBinaryInferRequest } from '../../src/inference/index.js';
import { fixtureModels, reference } from './fixtures/models.js';
import { call, rawRequest, serveDuringSuite, type RawAnswer } from './http-helpers.js';

const fixtures = fixtureModels('binary tensor data');

/** POSTs raw bytes with the given headers and returns the raw answer. */
function post(base: string, path: string, body: Buffer, headers: Record<string, string>): Promise<RawAnswer> {
  return rawRequest(base, 'POST', path, body, headers);
}

/** A binary-extension body written by hand: JSON header, then the blocks; returns body and headers. */
function handBuilt(header: unknown, blocks: Buffer[], headerLength?: string): { body: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([json, ...blocks]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength ?? String(json.length) },
  };
}

/** Little-endian float32 bytes written with DataView (independent of the typed-array path the server uses). */
function f32le(values: number[]): Buffer {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return Buffer.from(view.buffer);
}

function i64le(values: bigint[]): Buffer {
  const view = new DataView(new ArrayBuffer(values.length * 8));
  values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return Buffer.from(view.buffer);
}

describe.skipIf(!fixtures)('binary tensor data extension', () => {
  const live = serveDuringSuite(
    fixtures!,
    [
      ['mnist-mlp', '1', 'mnist-mlp'],
      ['two-io', '1', 'two-io'],
      ['dtypes', '1', 'dtypes'],
    ],
    { batching: { maxBatchSize: 64, maxQueueDelayMs: 5 } },
  );

  it('is announced in GET /v2', async () => {
    expect((await call(live.url, '/v2')).body.extensions).toContain('binary_tensor_data');
  });

  it('binary input, JSON output: matches PyTorch and the same request sent as JSON', async () => {
    const ref = reference(fixtures!, 'mnist-mlp');
    const values = ref.input.flat();
    const { body, headers } = handBuilt({ id: 'b1', inputs: [{ name: 'input', shape: [3, 784], datatype: 'FP32', parameters: { binary_data_size: values.length * 4 } }] }, [f32le(values)]);
    const res = await post(live.url, '/v2/models/mnist-mlp/infer', body, headers);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['inference-header-content-length']).toBeUndefined();
    const parsed = JSON.parse(res.body.toString()) as { id: string; outputs: Array<{ shape: number[]; data: number[] }> };
    expect(parsed.id).toBe('b1');
    expect(parsed.outputs[0]!.shape).toEqual([3, 10]);
    const expected = ref.output.flat();
    expect(Math.max(...parsed.outputs[0]!.data.map((v, i) => Math.abs(v - expected[i]!)))).toBeLessThan(1e-5);
    const asJson = await call(live.url, '/v2/models/mnist-mlp/infer', { body: { inputs: [{ name: 'input', shape: [3, 784], datatype: 'FP32', data: values }] } });
    expect((asJson.body.outputs as Array<{ data: number[] }>)[0]!.data).toEqual(parsed.outputs[0]!.data);
  });

  it('binary outputs: header length, binary_data_size and little-endian bytes equal to the JSON answer', async () => {
    const values = Array.from({ length: 2 * 784 }, (_, i) => ((i * 31) % 101) / 101);
    const asJson = await call(live.url, '/v2/models/mnist-mlp/infer', { body: { inputs: [{ name: 'input', shape: [2, 784], datatype: 'FP32', data: values }] } });
    const jsonData = (asJson.body.outputs as Array<{ data: number[] }>)[0]!.data;
    const { body, headers } = handBuilt(
      { parameters: { binary_data_output: true }, inputs: [{ name: 'input', shape: [2, 784], datatype: 'FP32', parameters: { binary_data_size: values.length * 4 } }] },
      [f32le(values)],
    );
    const res = await post(live.url, '/v2/models/mnist-mlp/infer', body, headers);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const headerLength = Number(res.headers['inference-header-content-length']);
    expect(res.body.length).toBe(headerLength + 2 * 10 * 4);
    const header = JSON.parse(res.body.subarray(0, headerLength).toString());
    expect(header).toEqual({
      model_name: 'mnist-mlp',
      model_version: '1',
      outputs: [{ name: header.outputs[0].name, datatype: 'FP32', shape: [2, 10], parameters: { binary_data_size: 80 } }],
    });
    const view = new DataView(res.body.buffer, res.body.byteOffset + headerLength, 80);
    expect(Array.from({ length: 20 }, (_, i) => view.getFloat32(i * 4, true))).toEqual(jsonData);
  });

  it('mixes binary and JSON tensors; int64 stays exact both ways; per-output binary_data', async () => {
    const big = 2n ** 60n + 1n;
    const { body, headers } = handBuilt(
      {
        inputs: [
          { name: 'a', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, -6] },
          { name: 'b', shape: [2, 2], datatype: 'INT64', parameters: { binary_data_size: 32 } },
        ],
        outputs: [{ name: 'z', parameters: { binary_data: true } }, { name: 'y', parameters: { binary_data: false } }],
      },
      [i64le([1n, 2n, 3n, big])],
    );
    const res = await post(live.url, '/v2/models/two-io/infer', body, headers);
    expect(res.status).toBe(200);
    const headerLength = Number(res.headers['inference-header-content-length']);
    const header = JSON.parse(res.body.subarray(0, headerLength).toString()) as { outputs: Array<{ name: string; data?: number[]; parameters?: { binary_data_size: number } }> };
    const y = header.outputs.find((o) => o.name === 'y')!;
    const z = header.outputs.find((o) => o.name === 'z')!;
    // y = 2a + float32(sum(b, axis 1)), z = 3b (wrapping in int64), by hand
    expect(y.data).toEqual([5, 7, 9, 8 + Number(3n + big), 10 + Number(3n + big), -12 + Number(3n + big)].map(Math.fround));
    expect(z.parameters).toEqual({ binary_data_size: 32 });
    const view = new DataView(res.body.buffer, res.body.byteOffset + headerLength, 32);
    expect([0, 1, 2, 3].map((i) => view.getBigInt64(i * 8, true))).toEqual([3n, 6n, 9n, BigInt.asIntN(64, 3n * big)]);
  });

  it('every dtype round-trips as binary through an Identity model (client helpers)', async () => {
    const inputs = [
      { name: 'in_f64', datatype: 'FP64', data: new Float64Array([0.1, -2]) },
      { name: 'in_i32', datatype: 'INT32', data: new Int32Array([1, -1]) },
      { name: 'in_u8', datatype: 'UINT8', data: new Uint8Array([0, 255]) },
      { name: 'in_b', datatype: 'BOOL', data: new Uint8Array([1, 0]) },
      { name: 'in_i8', datatype: 'INT8', data: new Int8Array([-128, 1]) },
      { name: 'in_i16', datatype: 'INT16', data: new Int16Array([300, -300]) },
      { name: 'in_u16', datatype: 'UINT16', data: new Uint16Array([1, 65535]) },
      { name: 'in_f16', datatype: 'FP16', data: new Uint16Array([0x3800, 0x3e00]) }, // 0.5, 1.5
      { name: 'in_u32', datatype: 'UINT32', data: new Uint32Array([1, 4294967295]) },
      { name: 'in_u64', datatype: 'UINT64', data: new BigUint64Array([2n ** 64n - 1n, 2n]) },
    ].map((t) => ({ ...t, shape: [2] }));
    const { body, headers } = encodeBinaryInferRequest({ id: 'all', inputs, binaryOutputs: true });
    const res = await post(live.url, '/v2/models/dtypes/infer', body, headers);
    expect(res.status).toBe(200);
    const decoded = decodeInferResponse(res.body, res.headers['inference-header-content-length'] as string);
    expect(decoded.id).toBe('all');
    for (const input of inputs) {
      const out = decoded.outputs.find((o) => o.name === input.name.replace('in_', 'out_'))!;
      expect(out.datatype).toBe(input.datatype);
      expect(out.shape).toEqual([2]);
      expect(out.data).toEqual(input.data);
    }
  });

  it('batches binary requests with JSON ones and splits the answers', async () => {
    const rows = Array.from({ length: 12 }, (_, r) => Array.from({ length: 784 }, (_, i) => ((i * 5 + r * 11) % 23) / 23));
    const answers = await Promise.all(
      rows.map(async (row, r) => {
        if (r % 2 === 0) {
          const res = await call(live.url, '/v2/models/mnist-mlp/infer', { body: { inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: row }] } });
          return (res.body.outputs as Array<{ data: number[] }>)[0]!.data;
        }
        const { body, headers } = encodeBinaryInferRequest({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: new Float32Array(row) }], binaryOutputs: true });
        const res = await post(live.url, '/v2/models/mnist-mlp/infer', body, headers);
        return Array.from(decodeInferResponse(res.body, res.headers['inference-header-content-length'] as string).outputs[0]!.data as Float32Array);
      }),
    );
    const together = await call(live.url, '/v2/models/mnist-mlp/infer', { body: { inputs: [{ name: 'input', shape: [12, 784], datatype: 'FP32', data: rows.flat() }] } });
    const all = (together.body.outputs as Array<{ data: number[] }>)[0]!.data;
    answers.forEach((row, r) => {
      expect(row).toHaveLength(10);
      expect(Math.max(...row.map((v, i) => Math.abs(v - all[r * 10 + i]!)))).toBeLessThan(1e-5);
    });
  });

  const mlp = (parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', parameters, ...extra }] });
  const block = f32le(Array(784).fill(0.25));
  const cases: Array<[string, string, { body: Buffer; headers: Record<string, string> }, string]> = [
    ['header length not a number', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3136 }), [block], 'abc'), 'is not a whole number of bytes'],
    ['negative header length', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3136 }), [block], '-5'), 'is not a whole number of bytes'],
    ['header length zero', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3136 }), [block], '0'), 'must be the length of the JSON header'],
    ['header length past the body', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3136 }), [block], '999999'), 'must be the length of the JSON header'],
    ['header length cuts the JSON', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3136 }), [block], '20'), 'malformed JSON inference header'],
    ['header is an array', 'two-io', handBuilt([1, 2], []), 'must be a JSON object'],
    ['binary section shorter than binary_data_size', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3136 }), [block.subarray(0, 3000)]), 'only 3000 bytes of binary data are left'],
    ['binary section longer than the sizes', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3136 }), [block, Buffer.alloc(8)]), 'the binary section has 3144 bytes but'],
    ['size not a multiple of the element', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3135 }), [block.subarray(0, 3135)]), 'not a multiple of 4 bytes per FP32 element'],
    ['size does not fit the shape', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3132 }), [block.subarray(0, 3132)]), 'has 783 values but shape [1, 784] needs 784'],
    ['both data and binary_data_size', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 3136 }, { data: [1] }), [block]), 'has both data and parameters.binary_data_size'],
    ['binary_data_size without the header', 'mnist-mlp', { body: Buffer.from(JSON.stringify(mlp({ binary_data_size: 3136 }))), headers: { 'content-type': 'application/json' } }, 'has no binary section'],
    ['neither data nor binary_data_size', 'mnist-mlp', handBuilt(mlp({}), []), 'has no data'],
    ['binary_data_size not an integer', 'mnist-mlp', handBuilt(mlp({ binary_data_size: 'big' }), [block]), 'binary_data_size must be integer'],
    ['binary_data_output not a boolean', 'mnist-mlp', handBuilt({ ...mlp({ binary_data_size: 3136 }), parameters: { binary_data_output: 'yes' } }, [block]), 'binary_data_output must be boolean'],
    ['BOOL byte other than 0/1', 'dtypes', handBuilt({ inputs: [{ name: 'in_b', shape: [2], datatype: 'BOOL', parameters: { binary_data_size: 2 } }] }, [Buffer.from([1, 7])]), 'BOOL byte 7 is not 0 or 1'],
  ];
  for (const [what, model, { body, headers }, message] of cases) {
    it(`${what} -> 400 JSON error`, async () => {
      const res = await post(live.url, `/v2/models/${model}/infer`, body, headers);
      expect(res.status).toBe(400);
      const parsed = JSON.parse(res.body.toString()) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(['error']);
      expect(parsed.error).toContain(message);
    });
  }
});
