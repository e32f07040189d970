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
import { addReshapeShapes, reconcileBatchTraces, symbolicShape } from './batch.js';
import type { OnnxGraph } from './graph.js';
import { toModelProto } from './graph.js';
import { OnnxDataType, encodeModelProto } from './proto.js';
import { traceForward, type TraceResult } from './trace.js';
import { resolveOutputNames } from './outputs.js';
import './modules/index.js';

export const SUPPORTED_OPSETS = [17] as const;
export const ONNX_IR_VERSION = 8;
/** The name of the symbolic batch dimension. */
export const BATCH_DIM = 'batch';
/** The two batch sizes the forward is traced at to find the batch-dependent dimensions. */
const TRACE_BATCHES: [number, number] = [2, 3];

export interface ExportOptions {
  /** Input shape with the batch dimension, e.g. [1, 1, 28, 28]; or give exampleInput. */
  inputShape?: number[];
  exampleInput?: tf.Tensor;
  /** Graph input name (default 'input'). */
  inputName?: string;
  /** Graph output name of a one-output model (default 'output'). */
  outputName?: string;
  /**
   * Graph output names when forward returns several tensors (an array or an object), in order. Default: the object's
   * keys, or `output_0`, `output_1`, ... for an array.
   */
  outputNames?: string[];
  /** Default true: dim 0 is the symbolic 'batch'. */
  dynamicBatch?: boolean;
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

function resolveInputShape(options: ExportOptions): number[] {
  const shape = options.exampleInput ? [...options.exampleInput.shape] : options.inputShape;
  if (!shape) throw new Error('exportOnnx: give options.inputShape (e.g. [1, 1, 28, 28]) or options.exampleInput');
  if (options.exampleInput && options.exampleInput.dtype !== 'float32') {
    throw new Error(`exportOnnx: options.exampleInput must be float32, got ${options.exampleInput.dtype}`);
  }
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`exportOnnx: options.inputShape must be positive integers with the batch first, got [${shape.join(', ')}]`);
  }
  return shape;
}

function traceAt(model: AnyModule, shape: number[], inputName: string, example?: tf.Tensor): TraceResult {
  const input = example ?? tf.randomNormal(shape, 0, 1, 'float32', 1234);
  try {
    return traceForward(model, input, inputName);
  } finally {
    if (!example) input.dispose();
  }
}

/**
 * Renames the value `from` to `to` everywhere, adding an Identity when `from` is the graph input, an initializer, or
 * a value already renamed to an earlier output (a forward returning one tensor twice).
 * @param renamed - values renamed so far (value -> output name), shared across a graph's outputs
 */
function nameOutput(graph: OnnxGraph, from: string, to: string, inputName: string, renamed: Map<string, string>): void {
  const taken = to === inputName || graph.initializers.has(to) || (to !== from && graph.nodes.some((n) => n.outputs.includes(to) || n.inputs.includes(to)));
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
 * @param options - input shape or example input, names, dynamic batch, opset, metadata
 */
export function exportOnnx(model: AnyModule, options: ExportOptions): Uint8Array {
  const opset = options.opset ?? 17;
  if (!(SUPPORTED_OPSETS as readonly number[]).includes(opset)) {
    throw new Error(`exportOnnx: opset ${opset} is not supported (valid: ${SUPPORTED_OPSETS.join(', ')})`);
  }
  const inputName = options.inputName ?? 'input';
  const dynamicBatch = options.dynamicBatch ?? true;
  const shape = resolveInputShape(options);

  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  let trace: TraceResult;
  let outputShapes: Array<Array<number | string>>;
  try {
    if (dynamicBatch) {
      const rest = shape.slice(1);
      const [first, second] = TRACE_BATCHES.map((b) => traceAt(model, [b, ...rest], inputName)) as [TraceResult, TraceResult];
      addReshapeShapes(first.graph, reconcileBatchTraces(first, second, TRACE_BATCHES));
      trace = first;
      outputShapes = first.outputs.map((o, i) => symbolicShape(o.shape, second.outputs[i]?.shape ?? null, BATCH_DIM));
    } else {
      trace = traceAt(model, shape, inputName, options.exampleInput);
      addReshapeShapes(trace.graph, new Map());
      outputShapes = trace.outputs.map((o) => o.shape);
    }
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  const outputNames = resolveOutputNames(trace.outputs.map((o) => o.key), options);
  const renamed = new Map<string, string>();
  trace.outputs.forEach((o, i) => nameOutput(trace.graph, o.value, outputNames[i]!, inputName, renamed));
  const inputShape: Array<number | string> = dynamicBatch ? [BATCH_DIM, ...shape.slice(1)] : shape;
  const proto = toModelProto(trace.graph, {
    graphName: model.typeName,
    inputs: [{ name: inputName, shape: inputShape, dataType: OnnxDataType.FLOAT }],
    outputs: outputNames.map((name, i) => ({ name, shape: outputShapes[i]!, dataType: OnnxDataType.FLOAT })),
    opset,
    irVersion: ONNX_IR_VERSION,
    producerVersion: twinmlVersion(),
    metadata: options.metadata ?? {},
    docString: options.docString,
  });
  return encodeModelProto(proto);
}
