/**
 * The ONNX schema loaded with protobufjs 7 from `onnx.proto` (copied from the onnx Python package and shipped
 * beside this file in dist/). Encoding and decoding go through protobufjs; there is no hand-written wire code.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

let cachedRoot: protobuf.Root | null = null;

/** The protobufjs root holding the `onnx.*` message types (parsed once). */
export function onnxRoot(): protobuf.Root {
  if (!cachedRoot) {
    const path = fileURLToPath(new URL('./onnx.proto', import.meta.url));
    cachedRoot = protobuf.loadSync(path);
  }
  return cachedRoot;
}

/** Looks up one ONNX message type, e.g. `ModelProto`. */
export function onnxType(name: string): protobuf.Type {
  return onnxRoot().lookupType(`onnx.${name}`);
}

/** ONNX TensorProto.DataType values used by the exporter. */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
} as const;
export type OnnxDataTypeValue = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** ONNX AttributeProto.AttributeType values used by the exporter. */
export const OnnxAttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  FLOATS: 6,
  INTS: 7,
} as const;

/**
 * Encodes a plain ModelProto object (field names as protobufjs camel-cases them) to bytes.
 * @param model - the ModelProto as a plain object
 */
export function encodeModelProto(model: Record<string, unknown>): Uint8Array {
  const type = onnxType('ModelProto');
  const problem = type.verify(model);
  if (problem) throw new Error(`ONNX export: the ModelProto does not match onnx.proto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** A decoded ModelProto as a plain object (int64 as numbers, bytes as Uint8Array); for tests and tools. */
export function decodeModelProto(bytes: Uint8Array): Record<string, unknown> {
  const type = onnxType('ModelProto');
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as Record<
    string,
    unknown
  >;
}
