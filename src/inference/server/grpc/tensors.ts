/**
 * gRPC ModelInfer bodies: a ModelInferRequest's tensors (typed `contents` fields or `raw_input_contents`, as
 * Triton's clients send them) -> checked feeds; outputs -> a ModelInferResponse with `raw_output_contents`, as
 * Triton answers.
 */
import { dtypeFromOip, oipFromDtype } from '../../dtypes.js';
import { InputError, toFeedTensor, type FeedTensor } from '../../tensor-input.js';
import type { OutputTensor, TensorDtype, TensorSpec } from '../../types.js';
import { readBinaryTensor, tensorBytes } from '../binary-tensor.js';

/** InferTensorContents as proto-loader decodes it (int64s as decimal strings). */
export interface GrpcTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: string[];
  uint_contents?: number[];
  uint64_contents?: string[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

/** ModelInferRequest as proto-loader decodes it. */
export interface GrpcInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters?: Record<string, unknown>;
  inputs: Array<{ name: string; datatype: string; shape: string[]; contents?: GrpcTensorContents | null; parameters?: Record<string, unknown> }>;
  outputs: Array<{ name: string }>;
  raw_input_contents: Buffer[];
}

const CONTENT_FIELD: Record<TensorDtype, keyof GrpcTensorContents | null> = {
  bool: 'bool_contents',
  int8: 'int_contents',
  int16: 'int_contents',
  int32: 'int_contents',
  int64: 'int64_contents',
  uint8: 'uint_contents',
  uint16: 'uint_contents',
  uint32: 'uint_contents',
  uint64: 'uint64_contents',
  float32: 'fp32_contents',
  float64: 'fp64_contents',
  float16: null,
};

function quote(name: string): string {
  return JSON.stringify(name.length > 64 ? name.slice(0, 64) + '…' : name);
}

function shapeOf(name: string, shape: string[]): number[] {
  if (shape.length > 16) throw new InputError(`input ${quote(name)} has ${shape.length} dimensions; at most 16 are accepted`);
  return shape.map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`input ${quote(name)} has shape [${shape.join(', ')}]; dimensions must be integers >= 0`);
    return n;
  });
}

/**
 * Checks a ModelInferRequest against the model and converts its tensors.
 * @param request - The decoded request.
 * @param specs - The model's inputs.
 * @param outputSpecs - The model's outputs.
 * @param allowNonFinite - Pass NaN/±Infinity to the model, or refuse them.
 * @returns The feeds and the outputs to fetch (all when undefined).
 */
export function grpcRequestToFeeds(
  request: GrpcInferRequest,
  specs: TensorSpec[],
  outputSpecs: TensorSpec[],
  allowNonFinite: boolean,
): { feeds: Record<string, FeedTensor>; outputs?: string[] } {
  const expected = specs.map((s) => quote(s.name)).join(', ');
  const byName = new Map(specs.map((s) => [s.name, s]));
  const raw = request.raw_input_contents ?? [];
  const inputs = request.inputs ?? [];
  if (inputs.length === 0) throw new InputError(`the request has no inputs; the model's inputs are ${expected}`);
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw new InputError(`raw_input_contents has ${raw.length} entries but the request has ${inputs.length} inputs; send one raw block per input, in order`);
  }
  const feeds: Record<string, FeedTensor> = {};
  inputs.forEach((input, i) => {
    const spec = byName.get(input.name);
    if (!spec) throw new InputError(`unknown input ${quote(input.name)}; the model's inputs are ${expected}`);
    if (feeds[input.name]) throw new InputError(`input ${quote(input.name)} is given twice`);
    const dtype = dtypeFromOip(input.datatype);
    if (dtype !== spec.dtype) {
      const what = dtype ? '' : ' (not an OIP datatype: BOOL, UINT8..UINT64, INT8..INT64, FP16, FP32, FP64)';
      throw new InputError(`input ${quote(input.name)} has datatype ${quote(input.datatype)}${what} but the model expects ${oipFromDtype(spec.dtype)}`);
    }
    const shape = shapeOf(input.name, input.shape ?? []);
    const contents = input.contents ?? undefined;
    const given = contents ? (Object.keys(contents) as Array<keyof GrpcTensorContents>).filter((k) => (contents[k]?.length ?? 0) > 0) : [];
    let data: ArrayLike<unknown>;
    if (raw.length > 0) {
      if (given.length > 0) throw new InputError(`input ${quote(input.name)} has contents and the request has raw_input_contents; send one`);
      data = readBinaryTensor(input.name, raw[i]!, spec.dtype);
    } else {
      const field = CONTENT_FIELD[spec.dtype];
      if (field === null) throw new InputError(`input ${quote(input.name)} is ${oipFromDtype(spec.dtype)}, which has no contents field; send it in raw_input_contents`);
      const other = given.filter((k) => k !== field);
      if (other.length > 0) throw new InputError(`input ${quote(input.name)} is ${input.datatype} but carries ${other.join(', ')}; use ${field}`);
      data = (contents?.[field] as ArrayLike<unknown> | undefined) ?? [];
    }
    feeds[input.name] = toFeedTensor({ data: data as number[], shape }, spec, { allowNonFinite, addBatchAxis: false });
  });
  const missing = specs.filter((s) => !feeds[s.name]).map((s) => quote(s.name));
  if (missing.length > 0) throw new InputError(`missing input ${missing.join(', ')}; the model's inputs are ${expected}`);
  let outputs: string[] | undefined;
  if (request.outputs && request.outputs.length > 0) {
    const known = new Set(outputSpecs.map((o) => o.name));
    outputs = [...new Set(request.outputs.map((o) => o.name))];
    const unknown = outputs.filter((o) => !known.has(o));
    if (unknown.length > 0) {
      throw new InputError(`unknown output ${unknown.map(quote).join(', ')}; the model's outputs are ${outputSpecs.map((o) => quote(o.name)).join(', ')}`);
    }
  }
  return { feeds, outputs };
}

/**
 * A ModelInferResponse with every output in raw_output_contents (little-endian, row-major), as Triton answers.
 * @param modelName - Model name.
 * @param version - Version.
 * @param id - The request id.
 * @param outputs - Output tensors by name.
 */
export function grpcInferResponse(modelName: string, version: string, id: string, outputs: Record<string, OutputTensor>): Record<string, unknown> {
  const entries = Object.entries(outputs);
  return {
    model_name: modelName,
    model_version: version,
    id,
    outputs: entries.map(([name, t]) => ({ name, datatype: oipFromDtype(t.dtype), shape: t.shape })),
    raw_output_contents: entries.map(([, t]) => tensorBytes(t.data)),
  };
}
