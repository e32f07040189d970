/**
 * The base of twinml's optimizers, mirroring torch.optim.Optimizer: parameter groups with their own
 * hyper-parameters (schedulers change `group.lr`), per-parameter state, zeroGrad(), step().
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../../nn/parameter.js';
import type { HostTensor } from '../../util/host-tensor.js';
import { fromHost, toHost } from '../../nn/host.js';

export interface ParamGroup<H> {
  params: Parameter[];
  /** Hyper-parameters of this group (lr and the optimizer's own). */
  options: H;
}

export interface OptimizerStateDict {
  /** Per parameter index (in group order): name -> host tensor, plus scalar step counts. */
  state: Array<{ step: number; tensors: Record<string, HostTensor> } | null>;
  groups: Array<Record<string, unknown>>;
}

export abstract class Optimizer<H extends { lr: number }> {
  readonly paramGroups: Array<ParamGroup<H>>;
  protected readonly state = new Map<Parameter, { step: number; tensors: Map<string, tf.Tensor> }>();

  constructor(params: Parameter[] | Array<{ params: Parameter[] } & Partial<H>>, defaults: H) {
    const groups = params.length > 0 && !('variable' in (params[0] as object))
      ? (params as Array<{ params: Parameter[] } & Partial<H>>)
      : [{ params: params as Parameter[] }];
    this.paramGroups = groups.map((g) => {
      const { params: ps, ...overrides } = g;
      return { params: ps, options: { ...defaults, ...(overrides as Partial<H>) } };
    });
    for (const g of this.paramGroups) this.validate(g.options);
  }

  /** Throws on invalid hyper-parameters, naming the field. */
  protected abstract validate(options: H): void;

  /** Updates one parameter given its gradient; returns nothing, updates `param` and `state`. */
  protected abstract update(param: Parameter, grad: tf.Tensor, options: H, state: { step: number; tensors: Map<string, tf.Tensor> }): void;

  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  step(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        let st = this.state.get(p);
        if (!st) {
          st = { step: 0, tensors: new Map() };
          this.state.set(p, st);
        }
        st.step += 1;
        const grad = p.grad;
        this.update(p, grad, group.options, st);
      }
    }
  }

  /** Replaces a state tensor, disposing the old one and keeping the new one. */
  protected setState(st: { tensors: Map<string, tf.Tensor> }, name: string, value: tf.Tensor): void {
    const old = st.tensors.get(name);
    st.tensors.set(name, tf.keep(value));
    if (old && old !== value) old.dispose();
  }

  stateDict(): OptimizerStateDict {
    const params = this.paramGroups.flatMap((g) => g.params);
    return {
      state: params.map((p) => {
        const st = this.state.get(p);
        if (!st) return null;
        const tensors: Record<string, HostTensor> = {};
        for (const [k, t] of st.tensors) tensors[k] = toHost(t, 'float32');
        return { step: st.step, tensors };
      }),
      groups: this.paramGroups.map((g) => ({ ...g.options })),
    };
  }

  loadStateDict(sd: OptimizerStateDict): void {
    const params = this.paramGroups.flatMap((g) => g.params);
    if (sd.state.length !== params.length) {
      throw new Error(`optimizer state has ${sd.state.length} parameters, this optimizer has ${params.length}`);
    }
    if (sd.groups.length !== this.paramGroups.length) {
      throw new Error(`optimizer state has ${sd.groups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    }
    this.disposeState();
    sd.groups.forEach((g, i) => Object.assign(this.paramGroups[i]!.options, g));
    sd.state.forEach((entry, i) => {
      if (!entry) return;
      const tensors = new Map<string, tf.Tensor>();
      for (const [k, h] of Object.entries(entry.tensors)) tensors.set(k, tf.keep(fromHost(h)));
      this.state.set(params[i]!, { step: entry.step, tensors });
    });
  }

  disposeState(): void {
    for (const st of this.state.values()) for (const t of st.tensors.values()) t.dispose();
    this.state.clear();
  }
}
