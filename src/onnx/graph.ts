/**
 * The exporter's in-memory graph: nodes, initializers and value shapes, independent of protobuf. The tracer fills
 * it; `toModelProto` turns the final graph into the plain ModelProto object that `encodeModelProto` writes.
 */
import { OnnxAttributeType, OnnxDataType, type OnnxDataTypeValue } from './proto.js';

export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

/** Where a node came from, used in error messages: the module path and the module class or kernel name. */
export interface Origin {
  /** Dotted module path ('' for the root model). */
  path: string;
  /** The module class (module-level emitter) or the tfjs kernel (kernel-level tracing). */
  what: string;
}

export interface GraphNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
  origin: Origin;
  /**
   * For Reshape nodes: the traced output shape. The shape input is created when the graph is finalised,
   * after the dynamic batch dimension is known.
   */
  reshapeTo?: number[];
  /** For Reshape nodes: the traced shape of the data input (to copy dynamic dimensions from it). */
  reshapeFrom?: number[];
}

export interface Initializer {
  name: string;
  dims: number[];
  dataType: OnnxDataTypeValue;
  /** Little-endian bytes. */
  rawData: Uint8Array;
  origin: Origin;
}

/** Little-endian bytes of float32 values. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return bytes;
}

/** Little-endian bytes of int64 values. */
export function int64Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i] as number), true);
  return bytes;
}

/** Little-endian bytes of int32 values. */
export function int32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i] as number, true);
  return bytes;
}

/** A mutable ONNX graph under construction. Names are unique; node names follow module paths. */
export class OnnxGraph {
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, Initializer>();
  private readonly usedNodeNames = new Set<string>();
  private readonly usedValueNames = new Set<string>();

  /** Reserves a value name (adds a numeric suffix when taken). */
  uniqueValueName(base: string): string {
    let name = base;
    for (let k = 1; this.usedValueNames.has(name) || this.initializers.has(name); k++) name = `${base}_${k}`;
    this.usedValueNames.add(name);
    return name;
  }

  /**
   * Appends a node named `/<module path>/<opType>` and returns its output value names.
   * @param opType - the ONNX operator
   * @param inputs - input value names ('' for an omitted optional input)
   * @param origin - module path and module class or kernel, for names and error messages
   * @param attributes - ONNX attributes (numbers are ints; use {float} / {floats} for floats)
   * @param outputCount - how many outputs the node has
   */
  addNode(opType: string, inputs: string[], origin: Origin, attributes: Record<string, AttributeValue> = {}, outputCount = 1): GraphNode {
    const base = `/${origin.path ? `${origin.path}/` : ''}${opType}`;
    let name = base;
    for (let k = 1; this.usedNodeNames.has(name); k++) name = `${base}_${k}`;
    this.usedNodeNames.add(name);
    const outputs = Array.from({ length: outputCount }, (_, i) => this.uniqueValueName(`${name}_output_${i}`));
    const node: GraphNode = { opType, name, inputs, outputs, attributes, origin };
    this.nodes.push(node);
    return node;
  }

  /**
   * Adds an initializer (or returns the existing one of that name).
   * @param name - the initializer name (a state_dict key for weights)
   * @param dims - the tensor shape
   * @param dataType - ONNX data type
   * @param rawData - little-endian bytes
   * @param origin - where the tensor came from
   */
  addInitializer(name: string, dims: number[], dataType: OnnxDataTypeValue, rawData: Uint8Array, origin: Origin): string {
    if (!this.initializers.has(name)) {
      this.usedValueNames.add(name);
      this.initializers.set(name, { name, dims: [...dims], dataType, rawData, origin });
    }
    return name;
  }

  /** Adds an int64 constant initializer with a unique name derived from `base`. */
  addInt64Constant(base: string, values: number[], dims: number[], origin: Origin): string {
    return this.addInitializer(this.uniqueValueName(base), dims, OnnxDataType.INT64, int64Bytes(values), origin);
  }

  /** Adds a float32 constant initializer with a unique name derived from `base`. */
  addFloatConstant(base: string, values: ArrayLike<number>, dims: number[], origin: Origin): string {
    return this.addInitializer(this.uniqueValueName(base), dims, OnnxDataType.FLOAT, float32Bytes(values), origin);
  }
}

/** Converts one attribute to the AttributeProto object protobufjs expects. */
function attributeProto(name: string, value: AttributeValue): Record<string, unknown> {
  if (typeof value === 'number') return { name, type: OnnxAttributeType.INT, i: value };
  if (typeof value === 'string') return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: OnnxAttributeType.INTS, ints: value };
  if ('float' in value) return { name, type: OnnxAttributeType.FLOAT, f: value.float };
  return { name, type: OnnxAttributeType.FLOATS, floats: value.floats };
}

export interface ValueSpec {
  name: string;
  /** Numbers are fixed dims; strings are symbolic (dim_param). */
  shape: Array<number | string>;
  dataType: OnnxDataTypeValue;
}

function valueInfo(spec: ValueSpec): Record<string, unknown> {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: spec.dataType,
        shape: { dim: spec.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export interface ModelProtoOptions {
  graphName: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  opset: number;
  irVersion: number;
  producerVersion: string;
  metadata: Record<string, string>;
  docString?: string;
}

/**
 * The ModelProto (as a plain object for protobufjs) of a finished graph.
 * @param graph - the graph; Reshape nodes must already have their shape inputs
 * @param options - inputs/outputs, opset, IR version and metadata
 */
export function toModelProto(graph: OnnxGraph, options: ModelProtoOptions): Record<string, unknown> {
  return {
    irVersion: options.irVersion,
    producerName: 'twinml',
    producerVersion: options.producerVersion,
    ...(options.docString ? { docString: options.docString } : {}),
    opsetImport: [{ domain: '', version: options.opset }],
    metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: options.graphName,
      node: graph.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes).map(([k, v]) => attributeProto(k, v)),
      })),
      initializer: [...graph.initializers.values()].map((t) => ({
        name: t.name,
        dims: t.dims,
        dataType: t.dataType,
        rawData: t.rawData,
      })),
      input: options.inputs.map(valueInfo),
      output: options.outputs.map(valueInfo),
    },
  };
}
