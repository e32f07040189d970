/**
 * The ModelInfer codec (src/inference/server/grpc/infer-codec.ts) against @grpc/proto-loader's, which it replaces on
 * the request path: the same request object for the requests Triton's clients send (raw_input_contents), the
 * proto-loader object itself for the rest (typed contents, parameters), the same response bytes, and the same
 * refusal of malformed bytes.
 */
import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { loadInferCodec } from '../../src/inference/server/grpc/infer-codec.js';
import { Rng } from '../../src/util/rng.js';

const PROTO_DIR = join(import.meta.dirname, '..', '..', 'src', 'inference', 'server', 'grpc', 'proto');
// The options src/inference/server/grpc/server.ts loads the service with.
const definition = protoLoader.loadSync(join(PROTO_DIR, 'grpc_service.proto'), {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_DIR],
});
const infer = (definition['inference.GRPCInferenceService'] as unknown as Record<string, protoLoader.MethodDefinition<unknown, unknown>>).ModelInfer!;
const codec = loadInferCodec(PROTO_DIR);

const f32 = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Buffer.from(new Float32Array(n).map(() => rng.random()).buffer);
};

/** proto-loader's object with the fields it leaves out when unset spelled as the codec spells them. */
function normalized(o: Record<string, unknown>): Record<string, unknown> {
  const inputs = (o.inputs as Array<Record<string, unknown>> | undefined) ?? [];
  return {
    model_name: o.model_name ?? '',
    model_version: o.model_version ?? '',
    id: o.id ?? '',
    inputs: inputs.map((i) => ({ name: i.name ?? '', datatype: i.datatype ?? '', shape: i.shape ?? [] })),
    outputs: ((o.outputs as Array<Record<string, unknown>> | undefined) ?? []).map((x) => ({ name: x.name ?? '' })),
    raw_input_contents: o.raw_input_contents ?? [],
  };
}

describe('gRPC ModelInfer codec', () => {
  it('decodes raw_input_contents requests as proto-loader does, bytes unchanged and not copied', () => {
    const requests = [
      { model_name: 'mnist-mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784] }], raw_input_contents: [f32(784, 1)] },
      {
        model_name: 'two-io',
        model_version: '3',
        id: 'r-17',
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [2, 3] },
          { name: 'b', datatype: 'INT64', shape: ['2', '2'] },
        ],
        outputs: [{ name: 'z' }, { name: 'y' }],
        raw_input_contents: [f32(6, 2), Buffer.from(new BigInt64Array([1n, -2n, 3n, 4n]).buffer)],
      },
      // int64 dimensions beyond 2^31 and negative ones come out as the same decimal strings.
      { model_name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: ['4294967296', '-1', '9007199254740993', '0'] }], raw_input_contents: [Buffer.alloc(0)] },
      {},
    ];
    for (const request of requests) {
      const bytes = infer.requestSerialize(request);
      const ours = codec.decodeRequest(bytes);
      expect(ours).toEqual(normalized(infer.requestDeserialize(bytes) as Record<string, unknown>));
      for (const raw of ours.raw_input_contents) if (raw.length > 0) expect(raw.buffer).toBe(bytes.buffer);
    }
  });

  it('gives requests with contents or parameters exactly proto-loader’s object', () => {
    const requests = [
      { model_name: 'two-io', inputs: [{ name: 'b', datatype: 'INT64', shape: [1, 2], contents: { int64_contents: ['5', '-6'] } }] },
      { model_name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1.5] } }] },
      { model_name: 'm', parameters: { priority: { int64_param: '3' } }, inputs: [{ name: 'x', datatype: 'FP32', shape: [1] }], raw_input_contents: [f32(1, 3)] },
      { model_name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: { int64_param: '4' } } }], raw_input_contents: [f32(1, 4)] },
      { model_name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [1] }], outputs: [{ name: 'y', parameters: { classification: { int64_param: '2' } } }], raw_input_contents: [f32(1, 5)] },
    ];
    for (const request of requests) {
      const bytes = infer.requestSerialize(request);
      expect(codec.decodeRequest(bytes)).toEqual(infer.requestDeserialize(bytes));
    }
  });

  it('encodes responses to the bytes proto-loader encodes', () => {
    const responses = [
      { model_name: 'mnist-mlp', model_version: '1', id: '', outputs: [{ name: 'output', datatype: 'FP32', shape: [1, 10] }], raw_output_contents: [f32(10, 6)] },
      {
        model_name: 'two-io',
        model_version: '12',
        id: 'abc',
        outputs: [
          { name: 'y', datatype: 'FP32', shape: [64, 3] },
          { name: 'z', datatype: 'INT64', shape: [64, 2] },
        ],
        raw_output_contents: [f32(192, 7), Buffer.from(new BigInt64Array(128).fill(-3n).buffer)],
      },
    ];
    for (const response of responses) {
      const ours = codec.encodeResponse(response);
      expect(Buffer.compare(Buffer.from(ours), infer.responseSerialize(response))).toBe(0);
      expect(infer.responseDeserialize(ours)).toEqual(infer.responseDeserialize(infer.responseSerialize(response)));
    }
  });

  it('refuses the malformed bytes proto-loader refuses', () => {
    const good = infer.requestSerialize({ model_name: 'mnist-mlp', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 784] }], raw_input_contents: [f32(784, 8)] });
    const rng = new Rng(20261205);
    let refused = 0;
    for (let k = 0; k < 500; k++) {
      const bytes = Buffer.from(good.subarray(0, rng.randint(good.length)));
      for (let j = 0; j < 3; j++) bytes[rng.randint(Math.max(1, bytes.length))] = rng.randint(256);
      let theirs: unknown;
      try {
        theirs = normalized(infer.requestDeserialize(bytes) as Record<string, unknown>);
      } catch {
        theirs = 'refused';
      }
      let ours: unknown;
      try {
        ours = normalized(codec.decodeRequest(bytes) as unknown as Record<string, unknown>);
      } catch {
        ours = 'refused';
      }
      if (theirs === 'refused') refused++;
      expect(ours).toEqual(theirs);
    }
    expect(refused).toBeGreaterThan(100);
  });
});
