/**
 * exportOnnx: any twinml module tree -> ONNX bytes (opset 17, IR version 8), by tracing one forward pass (see
 * trace.ts). The model is exported in eval mode (Dropout removed, BatchNorm on running statistics); its
 * train/eval flags are restored afterwards.
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyModule } from '../nn/module.js';
import { packageRoot } from '../util/paths.js';
import { addStaticReshapeShapes, reconcileTraces, tracePlan, type DynamicAxis, type TracePoint } from './dynamic.js';
import type { OnnxGraph } from './graph.js';
import { toModelProto } from './graph.js';
import { OnnxDataType, encodeModelProto, type OnnxDataTypeValue } from './proto.js';
import { traceForward, type TraceInput, type TraceResult } from './trace.js';
import { resolveOutputNames } from './outputs.js';
import './modules/index.js';

export const SUPPORTED_OPSETS = [17] as const;
export const ONNX_IR_VERSION = 8;
/** The name of the symbolic batch dimension. */
export const BATCH_DIM = 'batch';

/** The element type of a graph input (int64 inputs are cast to int32 inside the graph, as tfjs computes in int32). */
export type OnnxInputDtype = 'float32' | 'int32' | 'int64' | 'bool';

/** Dynamic axes by input name: dimension index -> axis name (torch.onnx.export's dynamic_axes for inputs). */
export type DynamicAxes = Record<string, Record<number, string>>;

export interface ExportOptions {
  /** Input shape with the batch dimension, e.g. [1, 1, 28, 28] (one float32 input, traced with seeded random values); or give exampleInputs. */
  inputShape?: number[];
  /** One float32 example input (same as `exampleInputs: [x]`). */
  exampleInput?: tf.Tensor;
  /**
   * The inputs to trace with, as the forward takes them: an array (named by `inputNames`, default `input` for one
   * and `input_0`, `input_1`, ... for several) or an object whose keys are the graph input names, in the forward's
   * argument order. float32, int32 (token ids) and bool tensors. The traced values are the user's, never random.
   */
  exampleInputs?: tf.Tensor[] | Record<string, tf.Tensor>;
  /** Graph input name of a one-input model (default 'input'). */
  inputName?: string;
  /** Graph input names for an array of exampleInputs. */
  inputNames?: string[];
  /** Graph input element types by name, e.g. `{ idx: 'int64' }` (default: the example tensor's dtype). */
  inputDtypes?: Record<string, OnnxInputDtype>;
  /**
   * Named dynamic axes by input name, e.g. `{ idx: { 0: 'batch', 1: 'sequence' } }`. An axis name used by several
   * inputs is one size. Default: dimension 0 of every input is 'batch' (none with dynamicBatch: false).
   */
  dynamicAxes?: DynamicAxes;
  /** Graph output name of a one-output model (default 'output'). */
  outputName?: string;
  /**
   * Graph output names when forward returns several tensors (an array or an object), in order. Default: the object's
   * keys, or `output_0`, `output_1`, ... for an array.
   */
  outputNames?: string[];
  /** Default true: dim 0 is the symbolic 'batch' (ignored when dynamicAxes is given). */
  dynamicBatch?: boolean;
  /**
   * What to trace instead of `model.call(...inputs)`, e.g. `(idx, k, v) => model.forwardWithCache(idx, [{ key: k, value: v }])`.
   * Weights are still named by `model`'s state_dict keys.
   */
  forward?: (...inputs: tf.Tensor[]) => unknown;
  /** ONNX opset; only 17 is supported (the default). */
  opset?: number;
  /** Stored in ModelProto.metadata_props (e.g. the model card JSON under key 'twinml.model_card'). */
  metadata?: Record<string, string>;
  docString?: string;
}

function twinmlVersion(): string {
  try {
    return String((JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

interface ResolvedInputs {
  inputs: TraceInput[];
  /** Tensors this export created (disposed at the end). */
  owned: tf.Tensor[];
}

function resolveInputs(options: ExportOptions): ResolvedInputs {
  const given = [options.inputShape !== undefined, options.exampleInput !== undefined, options.exampleInputs !== undefined].filter(Boolean).length;
  if (given > 1) throw new Error('exportOnnx: give one of options.inputShape, options.exampleInput and options.exampleInputs');
  if (options.exampleInputs !== undefined) {
    const ex = options.exampleInputs;
    let entries: Array<[string, tf.Tensor]>;
    if (Array.isArray(ex)) {
      const names = options.inputNames ?? (ex.length === 1 ? [options.inputName ?? 'input'] : ex.map((_, i) => `input_${i}`));
      if (names.length !== ex.length) throw new Error(`exportOnnx: options.inputNames has ${names.length} names [${names.join(', ')}] for ${ex.length} example input(s)`);
      entries = ex.map((t, i) => [names[i] as string, t]);
    } else {
      if (options.inputNames) throw new Error('exportOnnx: options.inputNames is for an array of exampleInputs; an object names its inputs by key');
      entries = Object.entries(ex);
    }
    if (entries.length === 0) throw new Error('exportOnnx: options.exampleInputs is empty');
    for (const [name, t] of entries) {
      if (!(t instanceof tf.Tensor)) throw new Error(`exportOnnx: options.exampleInputs '${name}' is not a tensor`);
      if (!['float32', 'int32', 'bool'].includes(t.dtype)) throw new Error(`exportOnnx: options.exampleInputs '${name}' is ${t.dtype}; float32, int32 and bool inputs export`);
    }
    const dup = entries.find(([n], i) => entries.findIndex(([m]) => m === n) !== i);
    if (dup) throw new Error(`exportOnnx: the input name '${dup[0]}' is used twice`);
    return { inputs: entries.map(([name, tensor]) => ({ name, tensor })), owned: [] };
  }
  const name = options.inputName ?? 'input';
  if (options.exampleInput) {
    if (options.exampleInput.dtype !== 'float32') throw new Error(`exportOnnx: options.exampleInput must be float32, got ${options.exampleInput.dtype}; use exampleInputs for int32 token ids`);
    return { inputs: [{ name, tensor: options.exampleInput }], owned: [] };
  }
  const shape = options.inputShape;
  if (!shape) throw new Error('exportOnnx: give options.inputShape (e.g. [1, 1, 28, 28]), options.exampleInput or options.exampleInputs');
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`exportOnnx: options.inputShape must be positive integers with the batch first, got [${shape.join(', ')}]`);
  }
  const tensor = tf.randomNormal(shape, 0, 1, 'float32', 1234);
  return { inputs: [{ name, tensor }], owned: [tensor] };
}

/** The dynamic axes (in first-use order) and each one's size in the example inputs. */
function resolveAxes(options: ExportOptions, inputs: TraceInput[]): { axes: DynamicAxis[]; base: number[] } {
  const spec: DynamicAxes =
    options.dynamicAxes ?? (options.dynamicBatch === false ? {} : Object.fromEntries(inputs.map((i) => [i.name, { 0: BATCH_DIM }])));
  const axes: DynamicAxis[] = [];
  const base: number[] = [];
  for (const [inputName, dims] of Object.entries(spec)) {
    const input = inputs.find((i) => i.name === inputName);
    if (!input) throw new Error(`exportOnnx: options.dynamicAxes names the input '${inputName}', but the inputs are ${inputs.map((i) => `'${i.name}'`).join(', ')}`);
    for (const [dimKey, axisName] of Object.entries(dims)) {
      const dim = Number(dimKey);
      if (!Number.isInteger(dim) || dim < 0 || dim >= input.tensor.rank) throw new Error(`exportOnnx: options.dynamicAxes.${inputName} has dimension ${dimKey}, but '${inputName}' has rank ${input.tensor.rank}`);
      if (typeof axisName !== 'string' || axisName.trim() === '') throw new Error(`exportOnnx: options.dynamicAxes.${inputName}[${dimKey}] must be a non-empty axis name`);
      const size = input.tensor.shape[dim] as number;
      let k = axes.findIndex((a) => a.name === axisName);
      if (k < 0) {
        k = axes.push({ name: axisName, sources: [] }) - 1;
        base.push(size);
      } else if (base[k] !== size) {
        const s = axes[k]!.sources[0]!;
        throw new Error(`exportOnnx: the dynamic axis '${axisName}' is ${base[k]} in '${s.input}' (dimension ${s.dim}) but ${size} in '${inputName}' (dimension ${dim})`);
      }
      axes[k]!.sources.push({ input: inputName, dim });
    }
  }
  return { axes, base };
}

/** The example tensor resized along its dynamic dimensions (a prefix, or the values repeated), for another trace. */
function resizeInput(t: tf.Tensor, dims: Array<{ dim: number; size: number }>): tf.Tensor {
  return tf.tidy(() => {
    let x = t;
    for (const { dim, size } of dims) {
      const n = x.shape[dim] as number;
      if (size > n) x = tf.concat(Array.from({ length: Math.ceil(size / n) }, () => x), dim);
      if (size !== x.shape[dim]) x = tf.slice(x, x.shape.map(() => 0), x.shape.map((d, i) => (i === dim ? size : d)));
    }
    return x === t ? tf.clone(t) : x;
  });
}

const ONNX_TYPES: Record<string, OnnxDataTypeValue> = { float32: OnnxDataType.FLOAT, int32: OnnxDataType.INT32, int64: OnnxDataType.INT64, bool: OnnxDataType.BOOL };

/**
 * Renames the value `from` to `to` everywhere, adding an Identity when `from` is the graph input, an initializer, or
 * a value already renamed to an earlier output (a forward returning one tensor twice).
 * @param renamed - values renamed so far (value -> output name), shared across a graph's outputs
 */
function nameOutput(graph: OnnxGraph, from: string, to: string, inputNames: string[], renamed: Map<string, string>): void {
  const taken = inputNames.includes(to) || graph.initializers.has(to) || (to !== from && graph.nodes.some((n) => n.outputs.includes(to) || n.inputs.includes(to)));
  if (taken) throw new Error(`exportOnnx: the output name '${to}' collides with the input, a weight name or a value of the graph`);
  const earlier = renamed.get(from);
  const produced = earlier === undefined && graph.nodes.some((n) => n.outputs.includes(from));
  renamed.set(from, to);
  if (!produced) {
    graph.addNode('Identity', [earlier ?? from], { path: '', what: 'output' }).outputs[0] = to;
    return;
  }
  for (const node of graph.nodes) {
    node.inputs = node.inputs.map((v) => (v === from ? to : v));
    node.outputs = node.outputs.map((v) => (v === from ? to : v));
  }
}

/**
 * Exports a module tree to ONNX bytes. Works for any model built from src/nn modules and supported tf ops in custom
 * forwards; throws an error naming the op and module path for anything it cannot express.
 * @param model - the model (any train/eval state; exported in eval mode)
 * @param options - example inputs (or an input shape), names, dynamic axes, input types, opset, metadata
 */
export function exportOnnx(model: AnyModule, options: ExportOptions): Uint8Array {
  const opset = options.opset ?? 17;
  if (!(SUPPORTED_OPSETS as readonly number[]).includes(opset)) {
    throw new Error(`exportOnnx: opset ${opset} is not supported (valid: ${SUPPORTED_OPSETS.join(', ')})`);
  }
  const { inputs, owned } = resolveInputs(options);
  const inputNames = inputs.map((i) => i.name);
  const dtypes = inputs.map((i) => options.inputDtypes?.[i.name] ?? (i.tensor.dtype as OnnxInputDtype));
  for (const [name, dtype] of Object.entries(options.inputDtypes ?? {})) {
    const input = inputs.find((i) => i.name === name);
    if (!input) throw new Error(`exportOnnx: options.inputDtypes names the input '${name}', but the inputs are ${inputNames.map((n) => `'${n}'`).join(', ')}`);
    const ok = dtype === input.tensor.dtype || (dtype === 'int64' && input.tensor.dtype === 'int32');
    if (!ok) throw new Error(`exportOnnx: options.inputDtypes.${name} is '${dtype}' but its example tensor is ${input.tensor.dtype} (int64 needs an int32 example)`);
  }
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  let trace: TraceResult;
  let outputShapes: Array<Array<number | string>>;
  let axes: DynamicAxis[];
  try {
    const resolved = resolveAxes(options, inputs);
    axes = resolved.axes;
    const points: TracePoint[] = tracePlan(resolved.base).map((sizes) => {
      if (sizes.every((s, k) => s === resolved.base[k])) return { sizes, result: traceForward(model, inputs, options.forward) };
      const resized = inputs.map(({ name, tensor }) => ({
        name,
        tensor: resizeInput(tensor, axes.flatMap((a, k) => a.sources.filter((s) => s.input === name).map((s) => ({ dim: s.dim, size: sizes[k] as number })))),
      }));
      try {
        return { sizes, result: traceForward(model, resized, options.forward) };
      } finally {
        for (const r of resized) r.tensor.dispose();
      }
    });
    trace = (points[0] as TracePoint).result;
    if (axes.length > 0) {
      outputShapes = reconcileTraces(points, axes);
    } else {
      addStaticReshapeShapes(trace.graph);
      outputShapes = trace.outputs.map((o) => o.shape);
    }
  } finally {
    for (const [m, training] of modes) m.training = training;
    for (const t of owned) t.dispose();
  }
  const outputNames = resolveOutputNames(trace.outputs.map((o) => o.key), options);
  const renamed = new Map<string, string>();
  trace.outputs.forEach((o, i) => nameOutput(trace.graph, o.value, outputNames[i]!, inputNames, renamed));
  castInt64Inputs(trace.graph, inputNames, dtypes);
  const inputSpecs = inputs.map(({ name, tensor }, i) => ({
    name,
    shape: tensor.shape.map((d, dim) => axes.find((a) => a.sources.some((s) => s.input === name && s.dim === dim))?.name ?? d),
    dataType: ONNX_TYPES[dtypes[i] as string] as OnnxDataTypeValue,
  }));
  const proto = toModelProto(trace.graph, {
    graphName: model.typeName,
    inputs: inputSpecs,
    outputs: outputNames.map((name, i) => ({ name, shape: outputShapes[i]!, dataType: ONNX_TYPES[trace.outputs[i]!.dtype] ?? OnnxDataType.FLOAT })),
    opset,
    irVersion: ONNX_IR_VERSION,
    producerVersion: twinmlVersion(),
    metadata: options.metadata ?? {},
    docString: options.docString,
  });
  return encodeModelProto(proto);
}

/** An int64 graph input feeds the int32 graph through one Cast (tfjs computes indices in int32). */
function castInt64Inputs(graph: OnnxGraph, names: string[], dtypes: OnnxInputDtype[]): void {
  names.forEach((name, i) => {
    if (dtypes[i] !== 'int64') return;
    const cast = graph.uniqueValueName(`${name}_int32`);
    for (const node of graph.nodes) {
      if (node.opType === 'Shape') continue;
      node.inputs = node.inputs.map((v) => (v === name ? cast : v));
    }
    const node = graph.addNode('Cast', [name], { path: '', what: 'input' }, { to: OnnxDataType.INT32 });
    graph.nodes.pop();
    node.outputs[0] = cast;
    graph.nodes.unshift(node);
  });
}
