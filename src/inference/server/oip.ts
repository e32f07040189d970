/**
 * Open Inference Protocol v2 (KServe v2) bodies: request tensors -> checked feeds, outputs -> response JSON.
 * Responses are written by hand so int64/uint64 keep every digit (BigInt join) and non-finite floats become null.
 * Tensors may also travel as raw bytes (the binary tensor data extension, binary-tensor.ts).
 */
import { dtypeFromOip, fromHalfBits, oipFromDtype } from '../dtypes.js';
import { InputError, toFeedTensor, type FeedTensor } from '../tensor-input.js';
import type { OutputTensor, TensorSpec } from '../types.js';
import { BINARY_SUPPORTED, readBinaryTensor, tensorBytes } from './binary-tensor.js';

export interface OipRequestTensor {
  name: string;
  shape: number[];
  datatype: string;
  /** The elements; absent when `parameters.binary_data_size` says they are in the binary section. */
  data?: unknown[];
  parameters?: { binary_data_size?: number } & Record<string, unknown>;
}

export interface OipInferRequest {
  id?: string;
  parameters?: { binary_data_output?: boolean } & Record<string, unknown>;
  inputs: OipRequestTensor[];
  outputs?: Array<{ name: string; parameters?: { binary_data?: boolean } & Record<string, unknown> }>;
}

/** JSON schema of an infer request (structure only; names, dtypes and shapes are checked against the model). */
export const inferRequestSchema = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string', maxLength: 256 },
    parameters: { type: 'object', properties: { binary_data_output: { type: 'boolean' } } },
    inputs: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 256 },
          shape: { type: 'array', maxItems: 16, items: { type: 'integer', minimum: 0 } },
          datatype: { type: 'string', maxLength: 16 },
          data: { type: 'array' },
          parameters: { type: 'object', properties: { binary_data_size: { type: 'integer', minimum: 0 } } },
        },
      },
    },
    outputs: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 256 },
          parameters: { type: 'object', properties: { binary_data: { type: 'boolean' } } },
        },
      },
    },
  },
} as const;

/** OIP tensor metadata: dynamic axes as -1. */
export function tensorMetadata(spec: TensorSpec): { name: string; datatype: string; shape: number[] } {
  return { name: spec.name, datatype: oipFromDtype(spec.dtype), shape: spec.shape.map((d) => (typeof d === 'number' ? d : -1)) };
}

function quoteName(name: string): string {
  return JSON.stringify(name.length > 64 ? name.slice(0, 64) + '…' : name);
}

/**
 * Checks an infer request against the model and converts its tensors.
 * @param body - The parsed request (structure already validated by the schema).
 * @param specs - The model's inputs.
 * @param outputSpecs - The model's outputs.
 * @param binary - The binary section of a binary-extension request (undefined for plain JSON).
 * @param allowNonFinite - Pass NaN/±Infinity in float inputs to the model (default, as Triton) or refuse them.
 * @returns The feeds, the outputs to fetch (all when undefined) and the outputs to return as binary data.
 */
export function requestToFeeds(
  body: OipInferRequest,
  specs: TensorSpec[],
  outputSpecs: TensorSpec[],
  binary?: Buffer,
  allowNonFinite = true,
): { feeds: Record<string, FeedTensor>; outputs?: string[]; binaryOutputs: Set<string> } {
  const expected = specs.map((s) => quoteName(s.name)).join(', ');
  let offset = 0;
  const byName = new Map(specs.map((s) => [s.name, s]));
  const feeds: Record<string, FeedTensor> = {};
  for (const input of body.inputs) {
    const spec = byName.get(input.name);
    if (!spec) throw new InputError(`unknown input ${quoteName(input.name)}; the model's inputs are ${expected}`);
    if (feeds[input.name]) throw new InputError(`input ${quoteName(input.name)} is given twice`);
    const dtype = dtypeFromOip(input.datatype);
    if (dtype !== spec.dtype) {
      const what = dtype ? '' : ' (not an OIP datatype: BOOL, UINT8..UINT64, INT8..INT64, FP16, FP32, FP64)';
      throw new InputError(`input ${quoteName(input.name)} has datatype ${quoteName(input.datatype)}${what} but the model expects ${oipFromDtype(spec.dtype)}`);
    }
    const size = input.parameters?.binary_data_size;
    let data: FeedTensor['data'] | unknown[];
    if (size !== undefined) {
      if (input.data !== undefined) throw new InputError(`input ${quoteName(input.name)} has both data and parameters.binary_data_size; send one`);
      if (!binary) throw new InputError(`input ${quoteName(input.name)} has parameters.binary_data_size but the request has no binary section (send the Inference-Header-Content-Length header)`);
      if (offset + size > binary.length) {
        throw new InputError(`input ${quoteName(input.name)} has binary_data_size ${size} but only ${binary.length - offset} bytes of binary data are left`);
      }
      data = readBinaryTensor(input.name, binary.subarray(offset, offset + size), spec.dtype);
      offset += size;
    } else if (input.data !== undefined) {
      data = input.data;
    } else {
      throw new InputError(`input ${quoteName(input.name)} has no data; send "data" or parameters.binary_data_size with binary tensor data`);
    }
    feeds[input.name] = toFeedTensor({ data: data as number[], shape: input.shape }, spec, { allowNonFinite, addBatchAxis: false });
  }
  if (binary && offset !== binary.length) {
    throw new InputError(`the binary section has ${binary.length} bytes but the inputs' binary_data_size add up to ${offset}`);
  }
  const missing = specs.filter((s) => !feeds[s.name]).map((s) => quoteName(s.name));
  if (missing.length > 0) throw new InputError(`missing input ${missing.join(', ')}; the model's inputs are ${expected}`);
  let outputs: string[] | undefined;
  if (body.outputs) {
    const known = new Set(outputSpecs.map((o) => o.name));
    outputs = [...new Set(body.outputs.map((o) => o.name))];
    const unknown = outputs.filter((o) => !known.has(o));
    if (unknown.length > 0) {
      throw new InputError(`unknown output ${unknown.map(quoteName).join(', ')}; the model's outputs are ${outputSpecs.map((o) => quoteName(o.name)).join(', ')}`);
    }
  }
  return { feeds, outputs, binaryOutputs: binaryOutputsOf(body, outputs ?? outputSpecs.map((o) => o.name)) };
}

/** Outputs to send as binary: binary_data on the output, else binary_data_output on the request. */
function binaryOutputsOf(body: OipInferRequest, names: string[]): Set<string> {
  const all = body.parameters?.binary_data_output === true;
  const chosen = new Set<string>();
  for (const name of names) {
    const own = body.outputs?.find((o) => o.name === name)?.parameters?.binary_data;
    if (own ?? all) chosen.add(name);
  }
  if (chosen.size > 0 && !BINARY_SUPPORTED) throw new InputError('binary outputs need a little-endian server; ask for JSON data');
  return chosen;
}

function floatsJson(values: ArrayLike<number>): string {
  let finite = true;
  for (let i = 0; i < values.length && finite; i++) finite = Number.isFinite(values[i]!);
  if (finite) return `[${Array.prototype.join.call(values, ',')}]`;
  return `[${Array.from(values, (v) => (Number.isFinite(v) ? String(v) : 'null')).join(',')}]`;
}

function dataJson(t: OutputTensor): string {
  switch (t.dtype) {
    case 'bool':
      return `[${Array.from(t.data as Uint8Array, (v) => (v ? 'true' : 'false')).join(',')}]`;
    case 'float16':
      return floatsJson(Array.from(t.data as Uint16Array, fromHalfBits));
    case 'float32':
    case 'float64':
      return floatsJson(t.data as Float32Array | Float64Array);
    default:
      // integers, including int64/uint64 as exact decimal digits
      return `[${Array.prototype.join.call(t.data, ',')}]`;
  }
}

/**
 * The infer response body as JSON text.
 * @param modelName - Model name.
 * @param version - Model version.
 * @param id - Request id (echoed when given).
 * @param outputs - Output tensors by name.
 * @param binary - Outputs whose data goes in the binary section instead (their JSON has binary_data_size).
 */
export function inferResponseJson(
  modelName: string,
  version: string,
  id: string | undefined,
  outputs: Record<string, OutputTensor>,
  binary: ReadonlySet<string> = new Set(),
): string {
  const parts = Object.entries(outputs).map(([name, t]) => {
    const head = `{"name":${JSON.stringify(name)},"datatype":"${oipFromDtype(t.dtype)}","shape":${JSON.stringify(t.shape)}`;
    return binary.has(name) ? `${head},"parameters":{"binary_data_size":${t.data.byteLength}}}` : `${head},"data":${dataJson(t)}}`;
  });
  const idPart = id === undefined ? '' : `"id":${JSON.stringify(id)},`;
  return `{"model_name":${JSON.stringify(modelName)},"model_version":${JSON.stringify(version)},${idPart}"outputs":[${parts.join(',')}]}`;
}

/**
 * The infer response with binary outputs: the JSON header (whose length goes in Inference-Header-Content-Length)
 * followed by each binary output's bytes in header order.
 * @param header - inferResponseJson(...) text written with the same `binary` set.
 * @param outputs - Output tensors by name.
 * @param binary - Outputs sent as binary.
 */
export function binaryResponseBody(header: string, outputs: Record<string, OutputTensor>, binary: ReadonlySet<string>): { body: Buffer; headerLength: number } {
  const json = Buffer.from(header);
  const blocks = Object.entries(outputs)
    .filter(([name]) => binary.has(name))
    .map(([, t]) => tensorBytes(t.data));
  return { body: Buffer.concat([json, ...blocks]), headerLength: json.length };
}
