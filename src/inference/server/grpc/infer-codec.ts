/**
 * The ModelInfer messages' codec: protobufjs's generated decode/encode of ModelInferRequest and ModelInferResponse,
 * without the object conversion @grpc/proto-loader adds on every call (`toObject` after decoding, `fromObject`
 * before encoding: a second copy of every message, and each int64 shape dimension turned into a decimal string
 * through a Long). ModelInfer is the one RPC on the request path, so it alone gets this codec; the other RPCs keep
 * proto-loader's.
 *
 * The request keeps the shape grpcRequestToFeeds reads (GrpcInferRequest): names, shapes as decimal strings,
 * `raw_input_contents` as Buffers over the received message (protobufjs slices them, no copy). A request with typed
 * `contents` or `parameters` anywhere goes through proto-loader's conversion instead (the same options), so every
 * field reaches the handler exactly as before; Triton's clients send raw_input_contents and no parameters.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { GrpcInferRequest } from './tensors.js';

/** The conversion options proto-loader uses for the service (server.ts). */
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: false, oneofs: true };

/** A decoded int64 as protobufjs gives it: a number, or a Long when long.js is present. */
type Int64 = number | { low: number; high: number; toString(): string };

/** An int64 as the decimal string proto-loader's `longs: String` gives. */
function int64Text(v: Int64): string {
  if (typeof v === 'number') return String(v);
  return v.high === 0 && v.low >= 0 ? String(v.low) : v.toString();
}

interface DecodedTensor {
  name: string;
  datatype: string;
  shape: Int64[];
  parameters: Record<string, unknown>;
  contents: unknown;
}

interface DecodedRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, unknown>;
  inputs: DecodedTensor[];
  outputs: Array<{ name: string; parameters: Record<string, unknown> }>;
  raw_input_contents: Buffer[];
}

function hasKeys(o: Record<string, unknown> | undefined): boolean {
  for (const _ in o) return true;
  return false;
}

/** ModelInfer's request decoder and response encoder for grpc-js. */
export interface InferCodec {
  /** Bytes -> the request object the handler reads (throws on a malformed message, as proto-loader's does). */
  decodeRequest(bytes: Buffer): GrpcInferRequest;
  /** The handler's response object (grpcInferResponse) -> bytes. */
  encodeResponse(response: Record<string, unknown>): Buffer;
}

/**
 * Loads the codec from grpc_service.proto.
 * @param protoDir - The folder with grpc_service.proto and what it imports.
 */
export function loadInferCodec(protoDir: string): InferCodec {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync('grpc_service.proto', { keepCase: true });
  root.resolveAll();
  const requestType = root.lookupType('inference.ModelInferRequest');
  const responseType = root.lookupType('inference.ModelInferResponse');
  return {
    decodeRequest(bytes) {
      const m = requestType.decode(bytes) as unknown as DecodedRequest;
      let plain = !hasKeys(m.parameters);
      for (const input of m.inputs) plain &&= input.contents === null && !hasKeys(input.parameters);
      for (const output of m.outputs) plain &&= !hasKeys(output.parameters);
      if (!plain) return requestType.toObject(m as unknown as protobuf.Message, TO_OBJECT) as GrpcInferRequest;
      return {
        model_name: m.model_name,
        model_version: m.model_version,
        id: m.id,
        inputs: m.inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: i.shape.map(int64Text) })),
        outputs: m.outputs.map((o) => ({ name: o.name })),
        raw_input_contents: m.raw_input_contents,
      };
    },
    encodeResponse(response) {
      return responseType.encode(response).finish() as Buffer;
    },
  };
}
