/**
 * The binary tensor data extension of the Open Inference Protocol (KServe v2 / Triton `binary_tensor_data`).
 *
 * A body with the `Inference-Header-Content-Length: N` header is N bytes of JSON inference header followed by raw
 * tensor bytes: one block per tensor that has `parameters.binary_data_size` (its length in bytes), in the order the
 * tensors appear in the header. Elements are row-major and little-endian; BOOL is one byte (0 or 1) per element,
 * FP16 is IEEE half bits, INT64/UINT64 are 8 bytes. A client asks for binary outputs with
 * `parameters.binary_data_output: true` on the request or `parameters.binary_data: true` on an output; the response
 * then has the same layout (the header names its JSON length, each binary output has `binary_data_size`).
 * BYTES tensors are not supported (no served model takes strings).
 *
 * Both halves live here: the server's parsing/encoding and the client's encodeBinaryInferRequest /
 * decodeInferResponse (used by the benchmark and available to Node clients).
 */
import { endianness } from 'node:os';
import { allocate, dtypeFromOip, DTYPES, oipFromDtype } from '../dtypes.js';
import { InputError } from '../tensor-input.js';
import { parseJsonBody } from './json-body.js';
import type { TensorData, TensorDtype } from '../types.js';

/** The HTTP header (lower case, as node:http gives it) holding the JSON header's length in bytes. */
export const INFERENCE_HEADER = 'inference-header-content-length';
/** The extension's name in `GET /v2`. */
export const BINARY_EXTENSION = 'binary_tensor_data';
/** Typed arrays are viewed as little-endian bytes without swapping, so the extension needs a little-endian host. */
export const BINARY_SUPPORTED = endianness() === 'LE';

const tails = new WeakMap<object, Buffer>();

/** The binary section that came with a parsed request header (undefined for a plain JSON request). */
export function binarySection(body: object): Buffer | undefined {
  return tails.get(body);
}

function parseJson(text: string, what: string): unknown {
  if (text.trim() === '') throw new InputError(`the ${what} is empty; send a JSON object`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`malformed JSON ${what}: ${(e as Error).message.slice(0, 200)}`);
  }
}

/**
 * Parses a request body: plain JSON, or (with the Inference-Header-Content-Length header) a JSON header followed by
 * a binary section, which binarySection() then returns for the parsed header.
 * @param body - The raw body.
 * @param headerLength - The Inference-Header-Content-Length header as received (undefined when absent).
 */
export function parseInferBody(body: Buffer, headerLength: string | string[] | undefined): unknown {
  if (headerLength === undefined) return parseJsonBody(body) ?? parseJson(body.toString('utf8'), 'body');
  if (!BINARY_SUPPORTED) throw new InputError('binary tensor data needs a little-endian server; send JSON data');
  const text = Array.isArray(headerLength) ? headerLength.join(',') : headerLength;
  if (!/^\d{1,15}$/.test(text.trim())) {
    throw new InputError(`Inference-Header-Content-Length ${JSON.stringify(text.slice(0, 40))} is not a whole number of bytes`);
  }
  const length = Number(text.trim());
  if (length === 0 || length > body.length) {
    throw new InputError(`Inference-Header-Content-Length is ${length} but the body has ${body.length} bytes; it must be the length of the JSON header (1..${body.length})`);
  }
  const header = parseJsonBody(body.subarray(0, length)) ?? parseJson(body.subarray(0, length).toString('utf8'), 'inference header');
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new InputError('the inference header must be a JSON object {"inputs": [...]}');
  }
  tails.set(header, body.subarray(length));
  return header;
}

/**
 * Reads one tensor's block of the binary section into a typed array of its own (safe to transfer to a worker).
 * @param name - Input name (for messages).
 * @param bytes - The block.
 * @param dtype - The element type the model expects.
 */
export function readBinaryTensor(name: string, bytes: Uint8Array, dtype: TensorDtype): TensorData {
  const size = DTYPES[dtype].array.BYTES_PER_ELEMENT;
  if (bytes.length % size !== 0) {
    throw new InputError(`input "${name}" has binary_data_size ${bytes.length}, not a multiple of ${size} bytes per ${oipFromDtype(dtype)} element`);
  }
  const data = allocate(dtype, bytes.length / size);
  new Uint8Array(data.buffer).set(bytes);
  if (dtype === 'bool') {
    const flags = data as Uint8Array;
    for (let i = 0; i < flags.length; i++) {
      if (flags[i]! > 1) throw new InputError(`input "${name}" element ${i}: BOOL byte ${flags[i]} is not 0 or 1`);
    }
  }
  return data;
}

/** A tensor's bytes, without copying. */
export function tensorBytes(data: TensorData): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A tensor as a client sends it with binary data. */
export interface BinaryInputTensor {
  name: string;
  shape: number[];
  /** OIP datatype (FP32, INT64, BOOL, ...). */
  datatype: string;
  /** The elements in the typed array of the datatype (Uint8Array for BOOL, Uint16Array half bits for FP16). */
  data: TensorData;
}

/**
 * Client side: an infer request with every input as binary data.
 * @param request - Id, inputs with typed-array data, outputs to fetch, and whether outputs come back binary.
 * @returns The body bytes and the headers to send with it.
 */
export function encodeBinaryInferRequest(request: {
  id?: string;
  inputs: BinaryInputTensor[];
  outputs?: string[];
  binaryOutputs?: boolean;
}): { body: Buffer; headers: Record<string, string> } {
  const header = {
    ...(request.id !== undefined ? { id: request.id } : {}),
    ...(request.binaryOutputs ? { parameters: { binary_data_output: true } } : {}),
    inputs: request.inputs.map((t) => ({ name: t.name, shape: t.shape, datatype: t.datatype, parameters: { binary_data_size: t.data.byteLength } })),
    ...(request.outputs ? { outputs: request.outputs.map((name) => ({ name, parameters: { binary_data: request.binaryOutputs ?? false } })) } : {}),
  };
  const json = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([json, ...request.inputs.map((t) => tensorBytes(t.data))]),
    headers: { 'content-type': 'application/octet-stream', [INFERENCE_HEADER]: String(json.length) },
  };
}

/** An output of a decoded response: `data` is a typed array for binary outputs, the JSON list otherwise. */
export interface DecodedOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: TensorData | unknown[];
  parameters?: Record<string, unknown>;
}

/**
 * Client side: decodes an infer response, JSON or binary.
 * @param body - The response body.
 * @param headerLength - The response's Inference-Header-Content-Length (undefined for a JSON response).
 */
export function decodeInferResponse(
  body: Buffer,
  headerLength?: string | null,
): { model_name: string; model_version: string; id?: string; outputs: DecodedOutput[] } {
  const length = headerLength === undefined || headerLength === null ? body.length : Number(headerLength);
  const response = JSON.parse(body.subarray(0, length).toString('utf8')) as { model_name: string; model_version: string; id?: string; outputs: DecodedOutput[] };
  let offset = length;
  for (const output of response.outputs) {
    const size = output.parameters?.binary_data_size;
    if (typeof size !== 'number') continue;
    const dtype = dtypeFromOip(output.datatype);
    if (!dtype) throw new Error(`response output "${output.name}" has datatype ${output.datatype}, which has no binary decoding here`);
    const data = allocate(dtype, size / DTYPES[dtype].array.BYTES_PER_ELEMENT);
    new Uint8Array(data.buffer).set(body.subarray(offset, offset + size));
    offset += size;
    output.data = data;
  }
  if (offset !== body.length) throw new Error(`response has ${body.length - offset} bytes after its binary outputs`);
  return response;
}
