/**
 * Float32 TensorFlow eager ops run straight through tfjs-node's binding (TFE_Execute), without tfjs's engine.
 *
 * On the `tensorflow` backend every tfjs op costs TensorFlow's eager dispatch (7-18 µs per op here, by load) plus
 * tfjs's engine and tfjs-node's JS layer (about as much again), and `tf.mul(x, 0.9)` uploads a new scalar tensor
 * each call. Code that runs many small elementwise ops per step (the optimizers: about 13 ops per parameter) pays that
 * fixed cost again and again. An `EagerScope` runs the same TensorFlow ops (`Add`, `Sub`, `Mul`, `RealDiv`,
 * `Square`, `Sqrt`, `Maximum`: the kernels tfjs-node itself calls for tf.add, tf.sub, ...; so the results are
 * bit-identical) on raw tensor handles, deletes the intermediates itself and hands back only the results, as
 * ordinary tfjs tensors. Constant scalars are uploaded once and kept in an `EagerConstants` cache.
 *
 * Measured by `twinml bench tensorflow-ops`; see docs/performance-tensorflow.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** One attribute of a TensorFlow op, as tfjs-node's binding takes it. */
interface OpAttr {
  name: string;
  type: number;
  value: number | number[] | string | boolean;
}

interface TensorMetadata {
  id: number;
  shape: number[];
  dtype: number;
}

/** The part of tfjs-node's native binding used here. */
interface TfjsNodeBinding {
  TF_ATTR_TYPE: number;
  TF_FLOAT: number;
  TF_BOOL: number;
  executeOp(name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number): TensorMetadata[];
  createTensor(shape: number[], dtype: number, values: Float32Array): number;
  deleteTensor(id: number): void;
}

/** The part of tfjs-node's NodeJSKernelBackend used here. */
interface TfjsNodeBackend {
  binding: TfjsNodeBinding;
  getInputTensorIds(tensors: TensorInfo[]): number[];
  createOutputTensor(metadata: TensorMetadata): tf.Tensor;
}

/** A TensorFlow tensor handle owned by an EagerScope or EagerConstants (not tracked by tfjs's engine). */
export interface EagerHandle {
  readonly id: number;
  readonly shape: number[];
  /** TensorFlow's dtype enum (binding.TF_FLOAT, TF_BOOL, ...). */
  readonly tfDtype: number;
}

/** An op input: a tfjs tensor (or kernel input) on the tensorflow backend, or a raw handle. */
export type EagerInput = TensorInfo | EagerHandle;

/** Elementwise float32 TensorFlow ops with two inputs. */
export type BinaryEagerOp = 'Add' | 'Sub' | 'Mul' | 'RealDiv' | 'Maximum';
/** Elementwise float32 TensorFlow ops with one input. */
export type UnaryEagerOp = 'Square' | 'Sqrt';

let liveHandles = 0;

/** Raw handles currently alive (scopes not yet disposed, cached constants): for leak tests. */
export function liveEagerHandles(): number {
  return liveHandles;
}

/** tfjs-node's backend when it is the active tfjs backend, else null. */
function activeTfjsNodeBackend(): TfjsNodeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const backend = tf.backend() as unknown as Partial<TfjsNodeBackend>;
  const binding = backend.binding as Partial<TfjsNodeBinding> | undefined;
  if (typeof backend.getInputTensorIds !== 'function' || typeof backend.createOutputTensor !== 'function') return null;
  if (!binding || typeof binding.executeOp !== 'function' || typeof binding.createTensor !== 'function') return null;
  return backend as TfjsNodeBackend;
}

/** True when raw eager ops can run: the active tfjs backend is tfjs-node's `tensorflow`. */
export function eagerOpsAvailable(): boolean {
  return activeTfjsNodeBackend() !== null;
}

function isTensor(x: EagerInput): x is TensorInfo {
  return 'dataId' in x;
}

/** Float32 scalars uploaded once and reused, one per name; a new value for a name replaces the old handle. */
export class EagerConstants {
  private readonly values = new Map<string, { value: number; handle: EagerHandle }>();

  /**
   * The scalar handle for `name` holding `value` (as float32, like tf.scalar(value)).
   * @param name - what the constant is (one cached handle per name)
   * @param value - its value
   */
  scalar(name: string, value: number): EagerHandle {
    const entry = this.values.get(name);
    if (entry && Object.is(entry.value, value)) return entry.handle;
    const backend = activeTfjsNodeBackend();
    if (!backend) throw new Error(`twinml: EagerConstants.scalar("${name}") needs the tensorflow backend, the active backend is ${tf.getBackend()}`);
    if (entry) this.release(backend, entry.handle);
    const id = backend.binding.createTensor([], backend.binding.TF_FLOAT, Float32Array.of(value));
    liveHandles++;
    const handle = { id, shape: [], tfDtype: backend.binding.TF_FLOAT };
    this.values.set(name, { value, handle });
    return handle;
  }

  private release(backend: TfjsNodeBackend, handle: EagerHandle): void {
    backend.binding.deleteTensor(handle.id);
    liveHandles--;
  }

  /** Deletes every cached handle. */
  dispose(): void {
    const backend = activeTfjsNodeBackend();
    for (const { handle } of this.values.values()) {
      if (backend) this.release(backend, handle);
      else liveHandles--; // the backend is gone (tf.removeBackend / engine reset): its handles went with it
    }
    this.values.clear();
  }
}

/**
 * Runs float32 ops on raw handles; `result()` turns a handle into a tfjs tensor, `dispose()` deletes the rest.
 * Use through `withEagerScope`.
 */
export class EagerScope {
  private readonly owned = new Set<number>();

  constructor(private readonly backend: TfjsNodeBackend) {}

  private ids(inputs: EagerInput[]): number[] {
    const tensors = inputs.filter(isTensor);
    const tensorIds = tensors.length ? this.backend.getInputTensorIds(tensors) : [];
    let next = 0;
    return inputs.map((x) => (isTensor(x) ? tensorIds[next++]! : x.id));
  }

  /**
   * Runs TensorFlow op `op` with attribute T = float32 (the type of its float inputs) and one output.
   * @param op - TensorFlow op name (IsNan, Greater, SelectV2, ...: any op whose only type attribute is T)
   * @param inputs - its inputs; tfjs tensors must be float32 except where the op takes bool (SelectV2's condition)
   */
  op(op: string, inputs: EagerInput[]): EagerHandle {
    const { binding } = this.backend;
    const [out] = binding.executeOp(op, [{ name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT }], this.ids(inputs), 1);
    if (!out) throw new Error(`twinml: TensorFlow op ${op} returned no output`);
    this.owned.add(out.id);
    liveHandles++;
    return { id: out.id, shape: out.shape, tfDtype: out.dtype };
  }

  /**
   * Casts a bool handle to float32 (true -> 1, false -> 0), TensorFlow's Cast.
   * @param x - a bool handle (from Greater, IsNan, ...)
   */
  boolToFloat(x: EagerHandle): EagerHandle {
    const { binding } = this.backend;
    if (x.tfDtype !== binding.TF_BOOL) throw new Error(`twinml: eager boolToFloat takes a bool handle, got TensorFlow dtype ${x.tfDtype}`);
    const attrs = [
      { name: 'SrcT', type: binding.TF_ATTR_TYPE, value: binding.TF_BOOL },
      { name: 'DstT', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    ];
    const [out] = binding.executeOp('Cast', attrs, [x.id], 1);
    if (!out) throw new Error('twinml: TensorFlow op Cast returned no output');
    this.owned.add(out.id);
    liveHandles++;
    return { id: out.id, shape: out.shape, tfDtype: out.dtype };
  }

  private run(op: BinaryEagerOp | UnaryEagerOp, inputs: EagerInput[]): EagerHandle {
    for (const x of inputs) {
      if (isTensor(x) && x.dtype !== 'float32') throw new Error(`twinml: eager ${op} takes float32 tensors, got ${x.dtype}`);
    }
    return this.op(op, inputs);
  }

  /**
   * One elementwise op with broadcasting, as tfjs-node runs tf.add / tf.sub / tf.mul / tf.div / tf.maximum.
   * @param op - TensorFlow op name
   * @param a - first input
   * @param b - second input
   */
  binary(op: BinaryEagerOp, a: EagerInput, b: EagerInput): EagerHandle {
    return this.run(op, [a, b]);
  }

  /**
   * One elementwise op, as tfjs-node runs tf.square / tf.sqrt.
   * @param op - TensorFlow op name
   * @param x - input
   */
  unary(op: UnaryEagerOp, x: EagerInput): EagerHandle {
    return this.run(op, [x]);
  }

  /**
   * Hands a handle of this scope to tfjs as a tensor (tracked by tfjs's engine like any kernel output).
   * @param handle - a handle this scope created
   */
  result(handle: EagerHandle): tf.Tensor {
    if (!this.owned.delete(handle.id)) throw new Error(`twinml: eager handle ${handle.id} does not belong to this scope (or was already returned)`);
    liveHandles--;
    return this.backend.createOutputTensor({ id: handle.id, shape: handle.shape, dtype: handle.tfDtype });
  }

  /** Deletes every handle not handed out with result(). */
  dispose(): void {
    for (const id of this.owned) this.backend.binding.deleteTensor(id);
    liveHandles -= this.owned.size;
    this.owned.clear();
  }
}

/**
 * Runs `body` with a fresh EagerScope and deletes its leftover handles afterwards (also on error).
 * @param body - the ops; returns what it handed out with scope.result()
 * @returns body's value
 */
export function withEagerScope<T>(body: (scope: EagerScope) => T): T {
  const backend = activeTfjsNodeBackend();
  if (!backend) throw new Error(`twinml: raw eager ops need the tensorflow backend, the active backend is ${tf.getBackend()}`);
  const scope = new EagerScope(backend);
  try {
    return body(scope);
  } finally {
    scope.dispose();
  }
}
