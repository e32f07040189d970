/**
 * Traces one forward pass of a module tree into an ONNX graph.
 *
 * Two levels work together:
 * - every module in the tree gets its `call` wrapped for the duration of the trace; a module whose exact class has a
 *   registered emitter (Linear, Conv2d, ReLU, ...) runs its real forward with recording paused and then emits its
 *   ONNX nodes itself (weights in PyTorch layout, named by state_dict key);
 * - everything else (a custom `forward()` composing children and tf ops) is recorded at kernel level: the engine's
 *   `runKernel` is wrapped, and each outermost kernel whose inputs depend on the graph input or a parameter becomes
 *   ONNX nodes. Kernels on constants only are folded (their results are captured by value where used).
 * Tensors are recognised by identity (`tensor.id`); parameters and buffers by their variable/tensor id.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type AnyModule } from '../nn/module.js';
import { ModuleBuffer, Parameter } from '../nn/parameter.js';
import { OnnxGraph, float32Bytes, int32Bytes, type AttributeValue, type Origin } from './graph.js';
import { OnnxDataType } from './proto.js';
import { OnnxExportError } from './errors.js';
import { moduleEmitterFor, type KernelEmitContext, type ModuleEmitContext, type NodeSink } from './emitter.js';
import { kernelEmitterFor, supportedKernels } from './kernels.js';
import { flattenOutputs, type FlatOutput } from './outputs.js';

/** One traced output of the forward. */
export interface TracedOutput {
  /** The object key it was returned under (null for a single tensor or an array element). */
  key: string | null;
  /** Value name of the output (may be the input name, an initializer, or another output's value). */
  value: string;
  shape: number[];
  /** The output tensor's dtype (float32, int32 or bool). */
  dtype: tf.DataType;
}

/** One named graph input with the tensor the forward is traced with. */
export interface TraceInput {
  name: string;
  tensor: tf.Tensor;
}

export interface TraceResult {
  graph: OnnxGraph;
  /** The forward's outputs in order (flattenOutputs). */
  outputs: TracedOutput[];
}

type RunKernel = (kernelName: string, inputs: Record<string, tf.Tensor>, attrs?: Record<string, unknown>) => tf.Tensor | tf.Tensor[];
type Call = (...inputs: tf.Tensor[]) => tf.Tensor;

interface StateEntry {
  key: string;
  module: Module;
  name: string;
  kind: 'parameter' | 'buffer';
}

class Tracer {
  readonly graph = new OnnxGraph();
  /** Tensor id -> value name of that tensor's value (graph values, constants, same-layout parameters). */
  private readonly names = new Map<number, string>();
  private readonly state = new Map<number, StateEntry>();
  private readonly stack: Origin[] = [];
  private recording = true;
  private kernelDepth = 0;

  constructor(
    private readonly model: AnyModule,
    inputs: TraceInput[],
  ) {
    for (const { name, tensor } of inputs) {
      if (this.names.has(tensor.id)) throw new Error(`ONNX export: the inputs '${this.names.get(tensor.id)}' and '${name}' are the same tensor; give each input its own tensor`);
      this.names.set(tensor.id, name);
    }
    for (const [path, module] of model.namedModules()) {
      const key = (name: string) => (path ? `${path}.${name}` : name);
      for (const [name, p] of module.ownParameters()) {
        if (!this.state.has(p.variable.id)) this.state.set(p.variable.id, { key: key(name), module, name, kind: 'parameter' });
      }
      for (const [name, b] of module.ownBuffers()) {
        if (!this.state.has(b.value.id)) this.state.set(b.value.id, { key: key(name), module, name, kind: 'buffer' });
      }
    }
  }

  private get origin(): Origin {
    return this.stack[this.stack.length - 1] ?? { path: '', what: this.model.typeName };
  }

  private isTraced(t: tf.Tensor): boolean {
    return this.names.has(t.id) || this.state.has(t.id);
  }

  /** The initializer of a parameter/buffer (stored in PyTorch's layout), named by its state_dict key. */
  private stateInitializer(entry: StateEntry, value: tf.Tensor, origin: Origin): string {
    return this.addTensorInitializer(entry.key, value.dataSync(), [...value.shape], value.dtype, origin);
  }

  private addTensorInitializer(name: string, data: tf.TypedArray | ArrayLike<number>, dims: number[], dtype: tf.DataType, origin: Origin): string {
    if (dtype === 'float32') return this.graph.addInitializer(name, dims, OnnxDataType.FLOAT, float32Bytes(data as ArrayLike<number>), origin);
    if (dtype === 'int32') return this.graph.addInitializer(name, dims, OnnxDataType.INT32, int32Bytes(data as ArrayLike<number>), origin);
    if (dtype === 'bool') return this.graph.addInitializer(name, dims, OnnxDataType.BOOL, Uint8Array.from(data as ArrayLike<number>), origin);
    throw new OnnxExportError(origin, `a ${dtype} tensor of shape [${dims.join(', ')}] is used; only float32, int32 and bool tensors export`);
  }

  /** The value name of a tensor used as an input: traced value, parameter/buffer, or a constant captured by value. */
  nameOf(t: tf.Tensor, origin: Origin): string {
    const known = this.names.get(t.id);
    if (known !== undefined) return known;
    const entry = this.state.get(t.id);
    let name: string;
    if (entry) {
      name = this.stateInitializer(entry, t, origin);
    } else {
      const base = `${origin.path ? `${origin.path}.` : ''}constant`;
      name = this.addTensorInitializer(this.graph.uniqueValueName(base), t.dataSync(), [...t.shape], t.dtype, origin);
    }
    this.names.set(t.id, name);
    return name;
  }

  private sink(origin: Origin): NodeSink {
    const graph = this.graph;
    return {
      graph,
      origin,
      node: (opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}) =>
        graph.addNode(opType, inputs, origin, attributes).outputs[0] as string,
      reshape: (input: string, shape: number[], from?: number[]) => {
        const node = graph.addNode('Reshape', [input], origin);
        node.reshapeTo = [...shape];
        if (from) node.reshapeFrom = [...from];
        return node.outputs[0] as string;
      },
      int64: (values: number[], dims?: number[]) =>
        graph.addInt64Constant(`${node0(origin)}_const`, values, dims ?? [values.length], origin),
      float: (values: number[], dims?: number[]) =>
        graph.addFloatConstant(`${node0(origin)}_const`, values, dims ?? (values.length === 1 ? [] : [values.length]), origin),
      fail: (reason: string): never => {
        throw new OnnxExportError(origin, reason);
      },
    };
  }

  /** The wrapped `Module.call` of one module in the tree. */
  callModule(module: Module, path: string, original: Call, inputs: tf.Tensor[]): tf.Tensor {
    if (!this.recording) return original.apply(module, inputs);
    const origin: Origin = { path, what: module.typeName };
    const emitter = moduleEmitterFor(module);
    if (!emitter) {
      this.stack.push(origin);
      try {
        return original.apply(module, inputs);
      } finally {
        this.stack.pop();
      }
    }
    const reason = emitter.unsupported?.(module) ?? null;
    if (reason) throw new OnnxExportError(origin, reason);
    const inputNames = inputs.map((t) => this.nameOf(t, origin));
    this.recording = false;
    let output: tf.Tensor;
    try {
      output = original.apply(module, inputs);
    } finally {
      this.recording = true;
    }
    const ctx: ModuleEmitContext<Module> = {
      ...this.sink(origin),
      module,
      inputs: inputNames,
      inputShapes: inputs.map((t) => [...t.shape]),
      outputShape: [...output.shape],
      parameter: (name: string) => this.ownState(module, origin, name, 'parameter'),
      buffer: (name: string) => this.ownState(module, origin, name, 'buffer'),
    };
    this.names.set(output.id, emitter.emit(ctx));
    return output;
  }

  private ownState(module: Module, origin: Origin, name: string, kind: 'parameter' | 'buffer'): string {
    const value = (module as unknown as Record<string, unknown>)[name];
    const tensor = value instanceof Parameter ? value.variable : value instanceof ModuleBuffer ? value.value : null;
    if (!tensor) throw new OnnxExportError(origin, `the emitter asked for ${kind} '${name}', which this module does not have`);
    // Parameters and buffers are stored in PyTorch's layout: an emitter's use and a direct tf-op use share one
    // initializer (a shared Parameter too, under the first state_dict key that reaches it).
    const known = this.names.get(tensor.id);
    if (known !== undefined) return known;
    const entry = this.state.get(tensor.id) ?? { key: origin.path ? `${origin.path}.${name}` : name, module, name, kind };
    const initializer = this.stateInitializer(entry, tensor, origin);
    this.names.set(tensor.id, initializer);
    return initializer;
  }

  /** The wrapped `engine.runKernel`. */
  runKernel(original: RunKernel, kernelName: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> | undefined): tf.Tensor | tf.Tensor[] {
    if (!this.recording || this.kernelDepth > 0) return original(kernelName, inputs, attrs);
    this.kernelDepth++;
    let out: tf.Tensor | tf.Tensor[];
    try {
      out = original(kernelName, inputs, attrs);
    } finally {
      this.kernelDepth--;
    }
    const keys = Object.keys(inputs).filter((k) => inputs[k] instanceof tf.Tensor);
    // Constants are folded (captured by value where used), except the source kernels whose arguments may follow a
    // dynamic axis (tf.range(0, T)): those are recorded so the dynamic-axis pass can make their arguments symbolic.
    if (!SOURCE_KERNELS.has(kernelName) && !keys.some((k) => this.isTraced(inputs[k] as tf.Tensor))) return out;
    const origin: Origin = { path: this.origin.path, what: `op '${kernelName}'` };
    const emit = kernelEmitterFor(kernelName);
    if (!emit) {
      throw new OnnxExportError(
        origin,
        `the tfjs kernel '${kernelName}' has no ONNX mapping (in a forward of ${this.origin.what}). ` +
          `Supported ops in a custom forward: ${supportedKernels().join(', ')}; or use the src/nn module that wraps it.`,
      );
    }
    const names: Record<string, string> = {};
    for (const k of keys) names[k] = this.nameOf(inputs[k] as tf.Tensor, origin);
    const outputs = Array.isArray(out) ? out : [out];
    const ctx: KernelEmitContext = {
      ...this.sink(origin),
      input: (key: string) => {
        const name = names[key];
        if (name === undefined) throw new OnnxExportError(origin, `missing kernel input '${key}'`);
        return name;
      },
      inputNames: keys.map((k) => names[k] as string),
      tensors: inputs,
      attrs: attrs ?? {},
      outputs,
    };
    const outNames = emit(ctx);
    outputs.forEach((t, i) => {
      const name = outNames[i];
      if (name === undefined) throw new OnnxExportError(origin, `the mapping produced no value for output ${i}`);
      this.names.set(t.id, name);
    });
    return out;
  }
}

/** Kernels without tensor inputs that are recorded anyway (their scalar arguments may depend on a dynamic axis). */
const SOURCE_KERNELS = new Set(['Range']);

function node0(origin: Origin): string {
  return `${origin.path ? `/${origin.path}` : ''}/${origin.what.replace(/^op '(.*)'$/, '$1')}`;
}

/**
 * Runs the forward once with tracing on and returns the graph. Restores every patched method afterwards.
 * @param model - the module tree (already in the mode to export, normally eval); its state_dict keys name the weights
 * @param inputs - the named graph inputs with the tensors to trace with
 * @param run - what to trace (default `model.call(...inputs)`), e.g. a cached decoding step of the model
 */
export function traceForward(model: AnyModule, inputs: TraceInput[], run?: (...inputs: tf.Tensor[]) => unknown): TraceResult {
  const tracer = new Tracer(model, inputs);
  const tensors = inputs.map((i) => i.tensor);
  const engine = tf.engine() as unknown as { runKernel: RunKernel };
  const originalRunKernel = engine.runKernel;
  const hadOwnRunKernel = Object.prototype.hasOwnProperty.call(engine, 'runKernel');
  const patched: Array<{ module: Module; descriptor: PropertyDescriptor | undefined }> = [];
  const seen = new Set<Module>();
  try {
    for (const [path, module] of model.namedModules()) {
      if (seen.has(module)) continue;
      seen.add(module);
      const original = module.call as Call;
      patched.push({ module, descriptor: Object.getOwnPropertyDescriptor(module, 'call') });
      Object.defineProperty(module, 'call', {
        value: (...inputs: tf.Tensor[]) => tracer.callModule(module, path, original, inputs),
        configurable: true,
        enumerable: false,
        writable: true,
      });
    }
    engine.runKernel = (kernelName, inputs, attrs) => tracer.runKernel(originalRunKernel.bind(engine), kernelName, inputs, attrs);
    const holder: { result?: TraceResult } = {};
    tf.tidy(() => {
      const origin: Origin = { path: '', what: model.typeName };
      let flat: FlatOutput[];
      try {
        flat = flattenOutputs(run ? run(...tensors) : (model.call as (...x: tf.Tensor[]) => unknown)(...tensors), 'exportOnnx');
      } catch (e) {
        throw new OnnxExportError(origin, (e as Error).message);
      }
      const outputs = flat.map(({ key, tensor }) => ({ key, value: tracer.nameOf(tensor, origin), shape: [...tensor.shape], dtype: tensor.dtype }));
      holder.result = { graph: tracer.graph, outputs };
    });
    if (!holder.result) throw new Error('ONNX export: the traced forward returned nothing');
    return holder.result;
  } finally {
    if (hadOwnRunKernel) engine.runKernel = originalRunKernel;
    else delete (engine as Partial<typeof engine>).runKernel;
    for (const { module, descriptor } of patched) {
      delete (module as Partial<Module>).call;
      if (descriptor) Object.defineProperty(module, 'call', descriptor);
    }
  }
}
