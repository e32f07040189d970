/**
 * The base of every layer and model, mirroring torch.nn.Module: children, parameters and buffers are
 * discovered from the instance's own properties in assignment order (like PyTorch's __setattr__), so
 * `this.fc1 = new Linear(784, 256)` gives the state_dict keys `fc1.weight` and `fc1.bias`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModuleBuffer, Parameter } from './parameter.js';
import { type HostTensor, type StateDict, numel, shapeString } from '../util/host-tensor.js';
import { fromHost, toHost } from './host.js';

/**
 * What `forward` may return, as in PyTorch: one tensor, an array of tensors (nested arrays too: nn.LSTM's
 * `[output, [h_n, c_n]]`, an attention layer's `y, (k, v)`), or an object of named tensors. A module whose forward
 * returns more than one tensor declares it: `class VAE extends Module<[tf.Tensor, tf.Tensor]>`,
 * `Module<[tf.Tensor, [tf.Tensor, tf.Tensor]]>`.
 */
export type ModuleOutput = tf.Tensor | ModuleOutput[] | { [name: string]: tf.Tensor };

/** Any module, whatever its forward returns. */
export type AnyModule = Module<ModuleOutput>;

/** Called after a module's forward with (module, inputs, output); see registerGlobalForwardHook. */
export type ForwardHook = (module: AnyModule, inputs: unknown[], output: ModuleOutput) => void;

let globalForwardHooks: ForwardHook[] = [];

/**
 * Runs `hook` after every module's forward until the returned function is called (used by the parity
 * localisation and by tracing tools). Hooks see the module and must not dispose the tensors.
 */
export function registerGlobalForwardHook(hook: ForwardHook): () => void {
  globalForwardHooks = [...globalForwardHooks, hook];
  return () => {
    globalForwardHooks = globalForwardHooks.filter((h) => h !== hook);
  };
}

/**
 * Whether a module's forward is observed: a forward hook is registered, or the module's `call` is wrapped (the
 * ONNX tracer does that). The framework's fast paths (channels-last runs and fusion in `Sequential`) are taken
 * only for modules nobody observes, PyTorch's own rule for its fast paths, so hooks see every module.
 * @param module - the module about to be run
 */
export function isForwardObserved(module: AnyModule): boolean {
  return globalForwardHooks.length > 0 || Object.prototype.hasOwnProperty.call(module, 'call');
}

/**
 * The base class of every layer and model (torch.nn.Module). Subclass it, assign children, Parameters and
 * buffers as properties in the constructor, and implement `forward`; call the module with `module.call(x)`.
 * @typeParam Out - what forward returns (default one tensor; an array or an object of tensors is allowed)
 */
export abstract class Module<Out extends ModuleOutput = tf.Tensor> {
  /** True in training mode (see train() and eval()). */
  training = true;

  /**
   * The computation; call modules through `call()` so hooks run. Its parameters are free (tensors, options),
   * its result one tensor, an array of tensors or an object of tensors (the class's `Out`).
   */
  abstract forward(...inputs: unknown[]): Out;

  /**
   * Runs forward (and the forward hooks): the equivalent of calling a torch module, `model(x)`. Typed with the
   * subclass's own forward signature. The forward runs inside `tf.tidy`, so intermediate tensors of a forward
   * written like PyTorch's (`return this.classifier.call(this.features.call(x))`) are freed; the output is kept.
   */
  call<M extends Module<ModuleOutput>>(this: M, ...inputs: Parameters<M['forward']>): ReturnType<M['forward']> {
    const output = tf.tidy(() => this.forward(...inputs) as tf.TensorContainer) as ReturnType<M['forward']>;
    for (const hook of globalForwardHooks) hook(this, inputs, output);
    return output;
  }

  /** The class name PyTorch would print (override when the TS class name differs). */
  get typeName(): string {
    return this.constructor.name;
  }

  // ---- tree ----

  /**
   * The direct children with their attribute names, in assignment order. (Typed as single-output modules; a
   * child whose forward returns several tensors returns them from `call` all the same.)
   */
  namedChildren(): Array<[string, Module]> {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  /** The direct children, in assignment order. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant with its dotted path ('' for this one). */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this as unknown as Module]];
    for (const [name, child] of this.namedChildren()) {
      out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    }
    return out;
  }

  /** Parameters directly owned by this module. */
  ownParameters(): Array<[string, Parameter]> {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /** Buffers directly owned by this module. */
  ownBuffers(): Array<[string, ModuleBuffer]> {
    return Object.entries(this).filter((e): e is [string, ModuleBuffer] => e[1] instanceof ModuleBuffer);
  }

  /**
   * Every parameter with its dotted name, like PyTorch's `named_parameters()`: a Parameter shared by several
   * modules (tied weights) is one tensor and is listed once, under the first name met.
   * @param prefix - prepended to every name
   * @param removeDuplicate - list a shared Parameter once (PyTorch's `remove_duplicate=True`, the default)
   */
  namedParameters(prefix = '', removeDuplicate = true): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    const seen = new Set<Parameter>();
    for (const [path, module] of this.namedModules(prefix)) {
      for (const [name, p] of module.ownParameters()) {
        if (removeDuplicate && seen.has(p)) continue;
        seen.add(p);
        out.push([path ? `${path}.${name}` : name, p]);
      }
    }
    return out;
  }

  /** Every distinct parameter (a shared Parameter once), in `namedParameters()` order. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * Every buffer with its dotted name; a buffer shared by several modules is listed once (first name met).
   * @param prefix - prepended to every name
   * @param removeDuplicate - list a shared buffer once (PyTorch's default)
   */
  namedBuffers(prefix = '', removeDuplicate = true): Array<[string, ModuleBuffer]> {
    const out: Array<[string, ModuleBuffer]> = [];
    const seen = new Set<ModuleBuffer>();
    for (const [path, module] of this.namedModules(prefix)) {
      for (const [name, b] of module.ownBuffers()) {
        if (removeDuplicate && seen.has(b)) continue;
        seen.add(b);
        out.push([path ? `${path}.${name}` : name, b]);
      }
    }
    return out;
  }

  // ---- mode ----

  /** Sets training mode on the whole tree (Dropout active, BatchNorm on batch statistics); returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode on the whole tree, `train(false)`; returns this. */
  eval(): this {
    return this.train(false);
  }

  // ---- state_dict ----

  /**
   * The state_dict with PyTorch's keys, shapes, layouts and dtypes, copied to host memory. Parameters and buffers
   * are stored in PyTorch's layout, so this is a plain copy; a shared Parameter appears under every key that
   * reaches it (as in PyTorch).
   */
  stateDict(): StateDict {
    const out: StateDict = new Map();
    for (const [path, module] of this.namedModules()) {
      const key = (name: string) => (path ? `${path}.${name}` : name);
      for (const [name, p] of module.ownParameters()) out.set(key(name), toHost(p.variable, 'float32'));
      for (const [name, b] of module.ownBuffers()) {
        if (b.persistent) out.set(key(name), toHost(b.value, b.torchDtype));
      }
    }
    return out;
  }

  /**
   * Loads a state_dict with PyTorch's keys and layouts.
   * @param state - key -> host tensor
   * @param strict - when true (the default), missing or unexpected keys are an error that lists them
   */
  loadStateDict(state: StateDict | Record<string, HostTensor>, strict = true): { missingKeys: string[]; unexpectedKeys: string[] } {
    const entries: StateDict = state instanceof Map ? state : new Map(Object.entries(state));
    const expected = new Map<string, Parameter | ModuleBuffer>();
    for (const [path, module] of this.namedModules()) {
      const key = (name: string) => (path ? `${path}.${name}` : name);
      for (const [name, p] of module.ownParameters()) expected.set(key(name), p);
      for (const [name, b] of module.ownBuffers()) if (b.persistent) expected.set(key(name), b);
    }
    const missingKeys = [...expected.keys()].filter((k) => !entries.has(k));
    const unexpectedKeys = [...entries.keys()].filter((k) => !expected.has(k));
    const shapeErrors: string[] = [];
    for (const [key, target] of expected) {
      const value = entries.get(key);
      if (!value) continue;
      const want = (target instanceof Parameter ? target.variable : target.value).shape;
      if (numel(want) !== numel(value.shape) || want.some((d, i) => d !== value.shape[i]) || want.length !== value.shape.length) {
        shapeErrors.push(`${key}: expected ${shapeString(want)}, got ${shapeString(value.shape)}`);
      }
    }
    const problems: string[] = [];
    if (shapeErrors.length) problems.push(`size mismatch for ${shapeErrors.join('; ')}`);
    if (strict && missingKeys.length) problems.push(`missing keys: ${missingKeys.join(', ')}`);
    if (strict && unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
    if (problems.length) throw new Error(`Error(s) in loading state_dict for ${this.typeName}: ${problems.join('. ')}`);

    // A shared Parameter reached by several keys is set once per key (the last one wins, as in PyTorch).
    for (const [key, target] of expected) {
      const value = entries.get(key);
      if (!value) continue;
      const loaded = tf.tidy(() => {
        const t = fromHost(value);
        const current = target instanceof Parameter ? target.variable : target.value;
        return current.dtype === t.dtype ? t : tf.cast(t, current.dtype);
      });
      if (target instanceof Parameter) target.assign(loaded);
      else target.set(loaded);
    }
    return { missingKeys, unexpectedKeys };
  }

  /** Clears every parameter's `.grad`. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Frees every parameter and buffer (a shared one once). */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const [, b] of this.namedBuffers()) b.dispose();
  }

  /** A PyTorch-like printout of the module tree. */
  toString(): string {
    const lines: string[] = [];
    const walk = (m: Module, name: string, depth: number) => {
      const pad = '  '.repeat(depth);
      const label = name ? `(${name}): ` : '';
      const kids = m.namedChildren();
      if (kids.length === 0) lines.push(`${pad}${label}${m.extraRepr() ? `${m.typeName}(${m.extraRepr()})` : `${m.typeName}()`}`);
      else {
        lines.push(`${pad}${label}${m.typeName}(`);
        for (const [n, c] of kids) walk(c, n, depth + 1);
        lines.push(`${pad})`);
      }
    };
    walk(this as unknown as Module, '', 0);
    return lines.join('\n');
  }

  /** Constructor arguments shown by toString, like PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }
}
