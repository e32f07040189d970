/** Mirrors torch.nn.Sequential: children named '0', '1', ... and called in order. */
import type * as tf from '@tensorflow/tfjs-core';
import { Module } from './module.js';

export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
  }

  get length(): number {
    return this.namedChildren().length;
  }

  at(index: number): Module {
    const kids = this.children();
    const m = kids[index < 0 ? kids.length + index : index];
    if (!m) throw new Error(`Sequential: index ${index} out of range (length ${kids.length})`);
    return m;
  }

  forward(x: tf.Tensor): tf.Tensor {
    let out = x;
    for (const m of this.children()) {
      const next = m.call(out);
      if (out !== x) out.dispose();
      out = next;
    }
    return out === x ? out.clone() : out;
  }
}
