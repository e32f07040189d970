/**
 * Mirrors torch.nn.ModuleList, ModuleDict and ParameterList: containers whose entries are registered (their
 * parameters appear in `parameters()` and in the state_dict as `0.weight`, `encoder.weight`, `0`, `1`, ...).
 * They have no forward of their own; the owning module iterates or indexes them.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { Module, type AnyModule } from './module.js';
import { Parameter } from './parameter.js';

function index(i: number, length: number, what: string): number {
  const j = i < 0 ? length + i : i;
  if (!Number.isInteger(j) || j < 0 || j >= length) throw new Error(`${what}: index ${i} is out of range (length ${length})`);
  return j;
}

/** torch.nn.ModuleList: a list of modules; state_dict keys `0.weight`, `1.bias`, ... */
export class ModuleList extends Module<never> implements Iterable<AnyModule> {
  readonly #items: AnyModule[] = [];

  /** @param modules - the initial entries */
  constructor(modules: Iterable<AnyModule> = []) {
    super();
    this.extend(modules);
  }

  /** The number of modules. */
  get length(): number {
    return this.#items.length;
  }

  /** Appends one module; returns this list (like torch). */
  append(module: AnyModule): this {
    if (!(module instanceof Module)) throw new Error(`ModuleList.append: expected a Module, got ${typeof module}`);
    this.#items.push(module);
    return this;
  }

  /** Appends every module of `modules`; returns this list. */
  extend(modules: Iterable<AnyModule>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts a module before position `i`. */
  insert(i: number, module: AnyModule): void {
    if (!(module instanceof Module)) throw new Error(`ModuleList.insert: expected a Module, got ${typeof module}`);
    const j = i < 0 ? Math.max(0, this.#items.length + i) : Math.min(i, this.#items.length);
    this.#items.splice(j, 0, module);
  }

  /**
   * The module at `i` (negative counts from the end), like `list[i]` in torch. The type parameter names the
   * entry's class: `layers.at<Linear>(0)`.
   */
  at<M extends AnyModule = Module>(i: number): M {
    return this.#items[index(i, this.#items.length, 'ModuleList')] as M;
  }

  /** Replaces the module at `i`. */
  set(i: number, module: AnyModule): void {
    this.#items[index(i, this.#items.length, 'ModuleList')] = module;
  }

  /** Iterates the modules in order (`for (const layer of this.layers)`). */
  [Symbol.iterator](): Iterator<AnyModule> {
    return this.#items[Symbol.iterator]();
  }

  /** The entries as children named '0', '1', ... (their state_dict prefixes). */
  override namedChildren(): Array<[string, Module]> {
    return this.#items.map((m, i) => [String(i), m as Module]);
  }

  /** ModuleList has no forward: iterate it in the owner's forward. */
  forward(): never {
    throw new Error('ModuleList has no forward(); iterate over it (for (const layer of this.layers) x = layer.call(x)) in your forward');
  }
}

/** torch.nn.ModuleDict: modules by name, in insertion order; state_dict keys `<name>.weight`, ... */
export class ModuleDict extends Module<never> implements Iterable<[string, AnyModule]> {
  readonly #items = new Map<string, AnyModule>();

  /** @param modules - the initial entries, as an object or [name, module] pairs */
  constructor(modules: Record<string, AnyModule> | Iterable<[string, AnyModule]> = {}) {
    super();
    this.update(modules);
  }

  /** The number of modules. */
  get size(): number {
    return this.#items.size;
  }

  /** The module called `key`; an error naming the keys when there is none. */
  get<M extends AnyModule = Module>(key: string): M {
    const m = this.#items.get(key);
    if (!m) throw new Error(`ModuleDict: no module '${key}'; keys are ${[...this.#items.keys()].join(', ') || '(none)'}`);
    return m as M;
  }

  /** Adds or replaces the module called `key` (names with '.' or clashing with a method are refused, as in torch). */
  set(key: string, module: AnyModule): void {
    if (!(module instanceof Module)) throw new Error(`ModuleDict.set: expected a Module for '${key}'`);
    if (key === '' || key.includes('.')) throw new Error(`ModuleDict: module name can't be empty or contain ".", got '${key}'`);
    if (key in this && !this.#items.has(key)) throw new Error(`ModuleDict: attribute '${key}' already exists`);
    this.#items.set(key, module);
  }

  /** True when a module is called `key`. */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Removes and returns the module called `key`. */
  pop(key: string): AnyModule {
    const m = this.get(key);
    this.#items.delete(key);
    return m;
  }

  /** Adds every entry of `modules`. */
  update(modules: Record<string, AnyModule> | Iterable<[string, AnyModule]>): void {
    const entries = Symbol.iterator in modules ? [...(modules as Iterable<[string, AnyModule]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  /** The names, in insertion order. */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** The modules, in insertion order. */
  values(): AnyModule[] {
    return [...this.#items.values()];
  }

  /** [name, module] pairs, in insertion order. */
  items(): Array<[string, AnyModule]> {
    return [...this.#items.entries()];
  }

  /** Iterates [name, module] pairs in insertion order. */
  [Symbol.iterator](): Iterator<[string, AnyModule]> {
    return this.#items.entries();
  }

  /** The entries as children named by their keys. */
  override namedChildren(): Array<[string, Module]> {
    return [...this.#items.entries()] as Array<[string, Module]>;
  }

  /** ModuleDict has no forward: index it in the owner's forward. */
  forward(): never {
    throw new Error("ModuleDict has no forward(); call its entries (this.heads.get('name').call(x)) in your forward");
  }
}

/** torch.nn.ParameterList: a list of Parameters; state_dict keys `0`, `1`, ... (prefixed by the list's name). */
export class ParameterList extends Module<never> implements Iterable<Parameter> {
  readonly #items: Parameter[] = [];

  /** @param values - Parameters, or tensors that become Parameters (the tensor is taken over) */
  constructor(values: Iterable<Parameter | tf.Tensor> = []) {
    super();
    for (const v of values) this.append(v);
  }

  /** The number of parameters. */
  get length(): number {
    return this.#items.length;
  }

  /** Appends a Parameter (a tensor becomes one); returns this list. */
  append(value: Parameter | tf.Tensor): this {
    this.#items.push(value instanceof Parameter ? value : new Parameter(value));
    return this;
  }

  /** The Parameter at `i` (negative counts from the end). */
  at(i: number): Parameter {
    return this.#items[index(i, this.#items.length, 'ParameterList')]!;
  }

  /** Iterates the Parameters in order. */
  [Symbol.iterator](): Iterator<Parameter> {
    return this.#items[Symbol.iterator]();
  }

  /** The Parameters named '0', '1', ... (their state_dict keys under the list's name). */
  override ownParameters(): Array<[string, Parameter]> {
    return this.#items.map((p, i) => [String(i), p]);
  }

  /** ParameterList has no forward. */
  forward(): never {
    throw new Error('ParameterList has no forward(); use its entries in your forward');
  }
}
