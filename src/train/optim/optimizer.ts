/**
 * The base of twinml's optimizers, mirroring torch.optim.Optimizer: parameter groups that carry their own
 * hyper-parameters (`optimizer.paramGroups[i].lr`, which schedulers set), per-parameter state, `zeroGrad()`,
 * `step()`, `addParamGroup()`, `stateDict()` / `loadStateDict()`. A parameter whose `.grad` is null is skipped,
 * as in PyTorch. Hyper-parameter names are PyTorch's in camelCase (`weight_decay` -> `weightDecay`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';
import type { HostTensor } from '../../util/host-tensor.js';
import { fromHost, toHost } from '../../nn/host.js';

/** The hyper-parameters every optimizer has. */
export interface BaseOptimizerOptions {
  /** Learning rate. */
  lr: number;
  /** Maximize the objective instead of minimizing it (torch's `maximize`, default false). */
  maximize: boolean;
}

/** One parameter group as in PyTorch's `optimizer.param_groups`: its parameters and its hyper-parameters. */
export type ParamGroup<H> = H & { params: Parameter[] };

/** A group as given to a constructor or `addParamGroup`: missing hyper-parameters come from the defaults. */
export type ParamGroupInput<H> = { params: Parameter[] } & Partial<H>;

/** What optimizers take as `params`: a list of parameters, or a list of parameter groups. */
export type OptimizerParams<H> = Parameter[] | Array<ParamGroupInput<H>>;

/** One parameter's optimizer state: torch's `state[p]` (the step count and named tensors). */
export interface ParamState {
  step: number;
  tensors: Map<string, tf.Tensor>;
}

/** An optimizer's state, keyed like torch's `optimizer.state_dict()`. */
export interface OptimizerStateDict {
  /** Per parameter index (in group order): name -> host tensor, plus the step count; null without state. */
  state: Array<{ step: number; tensors: Record<string, HostTensor> } | null>;
  /** Each group's hyper-parameters, and `params`: the indices of its parameters. */
  groups: Array<Record<string, unknown>>;
}

/**
 * Throws unless every value is >= 0 (NaN fails), naming the optimizer and torch's argument name.
 * @param optimizer - the class name for the message
 * @param values - torch argument name -> value
 */
export function requireNonNegative(optimizer: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!(v >= 0)) throw new Error(`${optimizer}: invalid ${name === 'lr' ? 'learning rate ' : ''}${name}=${v}`);
  }
}

function isGroupList<H>(params: OptimizerParams<H>): params is Array<ParamGroupInput<H>> {
  return params.length > 0 && !('variable' in (params[0] as object));
}

/**
 * The base class; subclasses give their defaults and implement `update` (one parameter's step).
 * @typeParam H - the optimizer's hyper-parameters (lr, maximize and its own)
 */
export abstract class Optimizer<H extends { lr: number }> {
  /** The hyper-parameters a group gets when it does not set them (torch's `defaults`). */
  readonly defaults: H;
  /** The parameter groups (torch's `param_groups`); change a group's `lr` etc. in place. */
  readonly paramGroups: Array<ParamGroup<H>> = [];
  /** Per-parameter state (torch's `state`). */
  protected readonly state = new Map<Parameter, ParamState>();

  /**
   * @param params - parameters, or parameter groups `{ params, ...hyper-parameters }`
   * @param defaults - the hyper-parameters of groups that do not set them
   */
  constructor(params: OptimizerParams<H>, defaults: H) {
    this.defaults = defaults;
    this.validate(defaults);
    if (params.length === 0) throw new Error(`${this.constructor.name}: optimizer got an empty parameter list`);
    const groups = isGroupList(params) ? params : [{ params }];
    for (const g of groups) this.addParamGroup(g as ParamGroupInput<H>);
  }

  /** Adds a parameter group (torch's `add_param_group`); hyper-parameters it leaves out come from `defaults`. */
  addParamGroup(group: ParamGroupInput<H>): void {
    if (!Array.isArray(group.params)) throw new Error(`${this.constructor.name}: a parameter group needs a 'params' array`);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    const params: Parameter[] = [];
    for (const p of group.params) {
      if (seen.has(p)) throw new Error(`${this.constructor.name}: some parameters appear in more than one parameter group`);
      seen.add(p);
      params.push(p);
    }
    const full = { ...this.defaults, ...group, params } as ParamGroup<H>;
    // Array hyper-parameters (betas) are the group's own, not shared with the defaults or other groups.
    for (const [k, v] of Object.entries(full)) if (k !== 'params' && Array.isArray(v)) (full as Record<string, unknown>)[k] = [...(v as unknown[])];
    this.validate(full);
    this.paramGroups.push(full);
    this.onGroupAdded(full);
  }

  /** Throws on invalid hyper-parameters, naming the field. */
  protected abstract validate(options: H): void;

  /** Called for each new group (Adagrad creates its state here, as PyTorch does). */
  protected onGroupAdded(_group: ParamGroup<H>): void {}

  /**
   * Updates one parameter given its gradient (already negated under `maximize`): assigns the parameter and
   * replaces state tensors with `setState`. `state.step` has already been incremented.
   */
  protected abstract update(param: Parameter, grad: tf.Tensor, group: ParamGroup<H>, state: ParamState): void;

  /** Clears every parameter's `.grad` (torch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  /** One optimization step over every parameter that has a gradient. */
  step(): void {
    for (const group of this.paramGroups) {
      const maximize = (group as Partial<BaseOptimizerOptions>).maximize === true;
      for (const p of group.params) {
        if (!p.grad) continue;
        const st = this.stateFor(p);
        st.step += 1;
        const grad = maximize ? tf.neg(p.grad) : p.grad;
        try {
          this.update(p, grad, group, st);
        } finally {
          if (grad !== p.grad) grad.dispose();
        }
      }
    }
  }

  /** The state of `p`, created empty on first use. */
  protected stateFor(p: Parameter): ParamState {
    let st = this.state.get(p);
    if (!st) {
      st = { step: 0, tensors: new Map() };
      this.state.set(p, st);
    }
    return st;
  }

  /** Replaces a state tensor, disposing the old one and keeping the new one. */
  protected setState(st: { tensors: Map<string, tf.Tensor> }, name: string, value: tf.Tensor): void {
    const old = st.tensors.get(name);
    st.tensors.set(name, tf.keep(value));
    if (old && old !== value) old.dispose();
  }

  /** The optimizer's state and groups (torch's `state_dict()`), state tensors copied to the host. */
  stateDict(): OptimizerStateDict {
    const params = this.paramGroups.flatMap((g) => g.params);
    let index = 0;
    return {
      state: params.map((p) => {
        const st = this.state.get(p);
        if (!st) return null;
        const tensors: Record<string, HostTensor> = {};
        for (const [k, t] of st.tensors) tensors[k] = toHost(t, 'float32');
        return { step: st.step, tensors };
      }),
      groups: this.paramGroups.map((g) => {
        const { params: ps, ...hyper } = g;
        return { ...hyper, params: ps.map(() => index++) };
      }),
    };
  }

  /**
   * Restores a state from `stateDict()` (torch's `load_state_dict`): group hyper-parameters and every state tensor.
   * @param sd - the state; its groups must have this optimizer's group sizes
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const params = this.paramGroups.flatMap((g) => g.params);
    if (sd.state.length !== params.length) {
      throw new Error(`optimizer state has ${sd.state.length} parameters, this optimizer has ${params.length}`);
    }
    if (sd.groups.length !== this.paramGroups.length) {
      throw new Error(`optimizer state has ${sd.groups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    sd.groups.forEach((g, i) => {
      const indices = g['params'];
      const size = this.paramGroups[i]!.params.length;
      if (Array.isArray(indices) && indices.length !== size) {
        throw new Error(`optimizer state's parameter group ${i} has ${indices.length} parameters, this optimizer's has ${size}`);
      }
    });
    this.disposeState();
    sd.groups.forEach((g, i) => {
      const { params: _indices, ...hyper } = g;
      Object.assign(this.paramGroups[i]!, hyper);
    });
    sd.state.forEach((entry, i) => {
      if (!entry) return;
      const tensors = new Map<string, tf.Tensor>();
      for (const [k, h] of Object.entries(entry.tensors)) tensors.set(k, tf.keep(fromHost(h)));
      this.state.set(params[i]!, { step: entry.step, tensors });
    });
  }

  /** Frees every state tensor (the optimizer starts over on its next step). */
  disposeState(): void {
    for (const st of this.state.values()) for (const t of st.tensors.values()) t.dispose();
    this.state.clear();
  }
}
