/**
 * The interfaces between the tracer and the per-module and per-kernel emitters. A module emitter turns one call of
 * a known `src/nn` module into ONNX nodes; a kernel emitter does the same for one tfjs kernel that a custom
 * `forward()` runs directly (tf.add, tf.matMul, tf.concat, ...).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { AttributeValue, OnnxGraph, Origin } from './graph.js';

/** What both kinds of emitters can do: add nodes and constants to the graph. */
export interface NodeSink {
  readonly graph: OnnxGraph;
  /** Module path and module class or kernel, for node names and errors. */
  readonly origin: Origin;
  /** Adds a node with one output and returns the output's value name. */
  node(opType: string, inputs: string[], attributes?: Record<string, AttributeValue>): string;
  /**
   * Adds a Reshape to `shape` (the traced output shape; `from` is the traced input shape); dimensions that follow a
   * dynamic axis are made symbolic when the graph is finalised, so emitters never bake the example's sizes in.
   */
  reshape(input: string, shape: number[], from?: number[]): string;
  /** An int64 constant (axes, pads, starts/ends). */
  int64(values: number[], dims?: number[]): string;
  /** A float32 constant (a scalar when `dims` is omitted and there is one value). */
  float(values: number[], dims?: number[]): string;
  /** Throws an export error naming the module path and what was unsupported. */
  fail(reason: string): never;
}

export interface ModuleEmitContext<M extends Module> extends NodeSink {
  readonly module: M;
  /** Value names of the call's inputs. */
  readonly inputs: string[];
  /** Traced shapes of the call's inputs (the batch size is an example value). */
  readonly inputShapes: number[][];
  /** Traced shape of the call's output. */
  readonly outputShape: number[];
  /** The initializer of one of the module's own parameters in PyTorch layout, named by its state_dict key. */
  parameter(name: string): string;
  /** The initializer of one of the module's own buffers in PyTorch layout, named by its state_dict key. */
  buffer(name: string): string;
}

/** Exports one module class. Matched by exact constructor, so a subclass with its own forward is traced instead. */
export interface ModuleEmitter<M extends Module = Module> {
  /** A reason this configuration cannot be exported, or null. */
  unsupported?(module: M): string | null;
  /** Emits the nodes and returns the output value name (an input name for identity modules). */
  emit(ctx: ModuleEmitContext<M>): string;
}

export interface KernelEmitContext extends NodeSink {
  /** Value name of the kernel input under `key` (a, b, x, ... or 0, 1, ... for lists). */
  input(key: string): string;
  /** Value names of all inputs, in the kernel's order. */
  readonly inputNames: string[];
  /** The kernel's input tensors by key (for ranks and dtypes). */
  readonly tensors: Record<string, tf.Tensor>;
  readonly attrs: Record<string, unknown>;
  /** The kernel's output tensors. */
  readonly outputs: tf.Tensor[];
}

/** Returns the value names of the kernel's outputs. */
export type KernelEmitter = (ctx: KernelEmitContext) => string[];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModuleClass = abstract new (...args: any[]) => Module;

const moduleEmitters = new Map<ModuleClass, ModuleEmitter>();

/**
 * Registers how a module class exports. Called by `src/onnx/modules/*` for every `src/nn` class.
 * @param moduleClass - the exact class (subclasses are traced at kernel level instead)
 * @param emitter - the emitter
 */
export function registerModuleEmitter<M extends Module>(moduleClass: abstract new (...args: never[]) => M, emitter: ModuleEmitter<M>): void {
  moduleEmitters.set(moduleClass as unknown as ModuleClass, emitter as unknown as ModuleEmitter);
}

/** The emitter registered for exactly this module's class, if any. */
export function moduleEmitterFor(module: Module): ModuleEmitter | undefined {
  return moduleEmitters.get(module.constructor as ModuleClass);
}
