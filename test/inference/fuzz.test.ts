/**
 * Seeded fuzz of the OIP server: >= 1,000 malformed requests (each generator produces only invalid requests), zero
 * crashes, every answer a 4xx JSON {"error": string} that leaks no repository path, and the server still answers a
 * valid request afterwards.
 */
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/inference/index.js';
import { Rng } from '../../src/util/rng.js';
import { fixtureModels } from './fixtures/models.js';
import { call, makeRepository, rawRequest } from './http-helpers.js';

const fixtures = fixtureModels('inference fuzz');
const SEED = 20261123;
const COUNT = 1200;

interface FuzzCase {
  kind: string;
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/** A binary tensor data request (JSON header + raw float32 bytes) with its headers. */
function binaryBody(header: Json, tail: Buffer, headerLength?: string): Pick<FuzzCase, 'body' | 'headers'> {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, tail]), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength ?? String(json.length) } };
}

function validBinaryMlp(rng: Rng): { header: Json; tail: Buffer } {
  const rows = 1 + rng.randint(2);
  const tail = Buffer.from(new Float32Array(Array.from({ length: rows * 784 }, () => rng.random())).buffer);
  return { header: { inputs: [{ name: 'input', shape: [rows, 784], datatype: 'FP32', parameters: { binary_data_size: tail.length } }] }, tail };
}

type Json = Record<string, unknown>;

function validMlp(rng: Rng): Json {
  const rows = 1 + rng.randint(2);
  return {
    id: `fuzz-${rng.randint(1000)}`,
    inputs: [{ name: 'input', shape: [rows, 784], datatype: 'FP32', data: Array.from({ length: rows * 784 }, () => rng.random()) }],
  };
}

function validTwo(rng: Rng): Json {
  return {
    inputs: [
      { name: 'a', shape: [1, 3], datatype: 'FP32', data: [rng.random(), rng.random(), rng.random()] },
      { name: 'b', shape: [1, 2], datatype: 'INT64', data: [rng.randint(100), rng.randint(100)] },
    ],
  };
}

const pick = <T>(rng: Rng, list: readonly T[]): T => list[rng.randint(list.length)]!;
const junkValues = ['NaN', null, {}, [], true, '1e3', 'Infinity', 'abc', [[1]], [1, 2], { value: 1 }, '0.5'];
const junkStrings = ['', ' ', 'FLOAT', 'fp32', 'INT128', 'BYTES', '\u0000', 'é', 'x'.repeat(300), '../../etc/passwd'];

/** Builds one request that is certainly invalid. */
function generate(rng: Rng, bodyLimit: number): FuzzCase {
  const infer = (model = 'mnist-mlp') => `/v2/models/${model}/infer`;
  const post = (kind: string, body: unknown, path = infer()): FuzzCase => ({ kind, method: 'POST', path, body: JSON.stringify(body) });
  const kinds: Array<() => FuzzCase> = [
    () => {
      const text = JSON.stringify(validMlp(rng));
      return { kind: 'truncated JSON', method: 'POST', path: infer(), body: text.slice(0, rng.randint(text.length - 1)) };
    },
    () => {
      const bytes = Buffer.from(Array.from({ length: 1 + rng.randint(200) }, () => rng.randint(256)));
      return { kind: 'random bytes', method: 'POST', path: infer(), body: bytes.toString('latin1') };
    },
    () => {
      const body = validMlp(rng);
      (body.inputs as Json[])[0]!.datatype = pick(rng, junkStrings);
      return post('bad datatype', body);
    },
    () => {
      const body = validMlp(rng);
      const input = (body.inputs as Json[])[0]!;
      const rows = (input.shape as number[])[0]!;
      input.shape = pick(rng, [[rows, 783], [rows + 1, 784], [784], [rows, 28, 28], [-1, 784], [rows, 784.5], ['1', 784], [rows, 2 ** 40], []]);
      return post('bad shape', body);
    },
    () => {
      const body = validMlp(rng);
      const data = (body.inputs as Json[])[0]!.data as unknown[];
      data[rng.randint(data.length)] = pick(rng, junkValues);
      return post('poisoned element', body);
    },
    () => {
      const body = validMlp(rng);
      const text = JSON.stringify(body).replace(/("data":\[)[^,]+/, '$11e999');
      return { kind: 'infinity literal', method: 'POST', path: infer(), body: text };
    },
    () => {
      const body = validMlp(rng);
      delete (body.inputs as Json[])[0]![pick(rng, ['name', 'shape', 'datatype', 'data'])];
      return post('missing field', body);
    },
    () => {
      const body = validMlp(rng);
      (body.inputs as Json[])[0]![pick(rng, ['name', 'shape', 'datatype', 'data'])] = pick(rng, [7, 'x', { a: 1 }, true, null]);
      return post('field of the wrong type', body);
    },
    () => {
      const body = validMlp(rng);
      (body.inputs as Json[]).push({ name: pick(rng, ['extra', 'input2', 'é', 'x'.repeat(40)]), shape: [1], datatype: 'FP32', data: [1] });
      return post('extra input', body);
    },
    () => post('missing input', { inputs: [validTwo(rng).inputs && (validTwo(rng).inputs as Json[])[rng.randint(2)]] }, infer('two-io')),
    () => {
      const body = validTwo(rng);
      (body.inputs as Json[])[1]!.data = pick(rng, [[1.5, 2], [2 ** 70, 1], ['12x', 1], [true, 1], ['9'.repeat(30), 1]]);
      return post('bad int64', body, infer('two-io'));
    },
    () => {
      const body = validTwo(rng);
      (body.inputs as Json[])[1]!.datatype = pick(rng, ['FP32', 'INT32', 'UINT64', 'BOOL']);
      return post('wrong datatype for int64', body, infer('two-io'));
    },
    () => post('unknown output', { ...validMlp(rng), outputs: [{ name: pick(rng, ['probs', 'y', '', 'logits ']) }] }),
    () => post('inputs not a list', { inputs: pick(rng, [null, {}, 'input', 3, []]) }),
    () => post('body not an object', pick(rng, [[1, 2], 'text', 42, null, true])),
    () => post('prototype keys', { __proto__: { inputs: [] }, constructor: { prototype: { x: 1 } }, inputs: [{ name: 'input' }] }),
    () => post('unknown model', validMlp(rng), infer(pick(rng, ['nope', 'mnist', 'MNIST-MLP', 'a.b', 'x'.repeat(128)]))),
    () => {
      const name = pick(rng, ['..', '..%2F..', 'a%2Fb', '%2e%2e', 'a%5Cb', '%00', '%C3%A9', '.hidden', 'x'.repeat(200), '%252e%252e']);
      return post('unsafe model name', validMlp(rng), infer(name));
    },
    () => post('unknown version', validMlp(rng), `/v2/models/mnist-mlp/versions/${pick(rng, ['0', '2', 'latest', '..', '1%2F..'])}/infer`),
    () => ({ kind: 'wrong method', method: pick(rng, ['PUT', 'DELETE', 'PATCH']), path: infer(), body: '{}' }),
    () => ({ kind: 'unknown path', method: pick(rng, ['GET', 'POST']), path: pick(rng, ['/', '/v1/models/mnist-mlp:predict', '/v2/models', '/v2/models/mnist-mlp/infer/x', '/etc/passwd', '/v2/../../etc/passwd', '/%ff']) }),
    () => ({ kind: 'oversized body', method: 'POST', path: infer(), body: `{"inputs":[{"name":"input","shape":[1,784],"datatype":"FP32","data":[${'0.5,'.repeat(bodyLimit / 4)}0]}]}` }),
    () => {
      const depth = 100 + rng.randint(rng.randint(2) === 0 ? 3000 : 60000);
      return { kind: 'deep nesting', method: 'POST', path: infer(), body: `{"inputs":[{"name":"input","shape":[1,784],"datatype":"FP32","data":${'['.repeat(depth)}1${']'.repeat(depth)}}]}` };
    },
    () => {
      const head = pick(rng, [
        'POST /v2/models/mnist-mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}',
        'POST /v2/models/mnist-mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n{}',
        'GARBAGE\r\n\r\n',
        `GET /v2 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`,
        'POST /v2/models/mnist-mlp/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      ]);
      return { kind: 'broken HTTP framing', method: 'RAW', path: '', body: head };
    },
    () => ({ kind: 'nested data of the wrong size', method: 'POST', path: infer(), body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 784], datatype: 'FP32', data: [[[1, 2], [3]]] }] }) }),
    () => ({ ...post('odd content type', { inputs: 'x' }), headers: { 'content-type': pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16']) } }),
    () => post('huge id', { ...validMlp(rng), id: 'i'.repeat(300) }),
    () => {
      const { header, tail } = validBinaryMlp(rng);
      const json = JSON.stringify(header).length;
      const length = pick(rng, ['', 'abc', '-1', '0', '1.5', '0x10', String(json + tail.length + 1 + rng.randint(1000)), String(1 + rng.randint(json - 1)), '9'.repeat(20), `${json}, ${json}`]);
      return { kind: 'bad Inference-Header-Content-Length', method: 'POST', path: infer(), ...binaryBody(header, tail, length) };
    },
    () => {
      const { header, tail } = validBinaryMlp(rng);
      const cut = rng.randint(2) === 0 ? tail.subarray(0, rng.randint(tail.length)) : Buffer.concat([tail, Buffer.alloc(1 + rng.randint(64))]);
      return { kind: 'binary section of the wrong length', method: 'POST', path: infer(), ...binaryBody(header, cut) };
    },
    () => {
      const { header, tail } = validBinaryMlp(rng);
      const input = (header.inputs as Json[])[0]!;
      input.parameters = { binary_data_size: pick(rng, [-4, 1.5, '3136', null, tail.length - 1 - rng.randint(8), tail.length + 4 * (1 + rng.randint(8)), 2 ** 53, {}]) };
      return { kind: 'bad binary_data_size', method: 'POST', path: infer(), ...binaryBody(header, tail) };
    },
    () => {
      const { header, tail } = validBinaryMlp(rng);
      const view = new Float32Array(tail.buffer, tail.byteOffset, tail.length / 4);
      view[rng.randint(view.length)] = pick(rng, [NaN, Infinity, -Infinity]);
      return { kind: 'non-finite binary float', method: 'POST', path: infer(), ...binaryBody(header, tail) };
    },
    () => {
      const { header, tail } = validBinaryMlp(rng);
      const input = (header.inputs as Json[])[0]!;
      const change = rng.randint(4);
      if (change === 0) input.data = [1];
      else if (change === 1) input.datatype = pick(rng, ['FP64', 'INT32', 'BOOL', 'BYTES']);
      else if (change === 2) input.shape = [(input.shape as number[])[0]! + 1, 784];
      else header.parameters = { binary_data_output: pick(rng, ['yes', 1, null]) };
      return { kind: 'binary header inconsistent with its data', method: 'POST', path: infer(), ...binaryBody(header, tail) };
    },
    () => {
      const { header } = validBinaryMlp(rng);
      return { kind: 'binary_data_size in a plain JSON body', method: 'POST', path: infer(), body: JSON.stringify(header) };
    },
  ];
  return kinds[rng.randint(kinds.length)]!();
}

/** Writes bytes on a TCP socket and reads the status line and body of the answer. */
function rawSocket(base: string, bytes: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(bytes));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? -1);
      resolve({ status, text: answer.slice(answer.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe.skipIf(!fixtures)('fuzzing the OIP server', () => {
  let server: RunningServer;
  const bodyLimit = 64 * 1024;
  beforeAll(async () => {
    const repo = makeRepository(fixtures!, [
      ['mnist-mlp', '1', 'mnist-mlp'],
      ['two-io', '1', 'two-io'],
    ]);
    // Non-finite inputs pass through by default (as Triton); this model refuses them, so those fuzz cases stay 4xx.
    writeFileSync(join(repo, 'mnist-mlp', 'config.json'), JSON.stringify({ dynamic_batching: {}, twinml: { refuse_non_finite_inputs: true } }));
    server = await startServer({ models: repo, port: 0, bodyLimitBytes: bodyLimit, batching: { maxBatchSize: 16, maxQueueDelayMs: 1 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it(`${COUNT} seeded malformed requests: all 4xx JSON errors, no crash, still serving`, async () => {
    const rng = new Rng(SEED);
    const cases = Array.from({ length: COUNT }, () => generate(rng, bodyLimit));
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const headers = { 'content-type': 'application/json', ...c.headers };
        const send = c.method === 'RAW' ? rawSocket(server.url, c.body as string) : rawRequest(server.url, c.method, c.path, c.body, headers);
        const res = await send.catch((e: Error) => ({ status: -1, text: e.message }));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        let parsed: unknown;
        try {
          parsed = JSON.parse(res.text);
        } catch {
          parsed = undefined;
        }
        const ok =
          res.status >= 400 && res.status < 500 &&
          typeof parsed === 'object' && parsed !== null &&
          Object.keys(parsed).length === 1 && typeof (parsed as { error?: unknown }).error === 'string' &&
          !res.text.includes(server.repository.root);
        if (!ok && failures.length < 10) failures.push(`${c.kind} ${c.method} ${c.path.slice(0, 80)} -> ${res.status} ${res.text.slice(0, 200)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(`fuzz: ${COUNT} requests, status counts ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(failures).toEqual([]);
    expect(new Set(cases.map((c) => c.kind)).size).toBeGreaterThanOrEqual(33);
    const live = await call(server.url, '/v2/health/live');
    expect(live.status).toBe(200);
    const valid = await call(server.url, '/v2/models/mnist-mlp/infer', { body: validMlp(new Rng(1)) });
    expect(valid.status).toBe(200);
    expect((valid.body.outputs as Array<{ shape: number[] }>)[0]!.shape[1]).toBe(10);
  });
});
