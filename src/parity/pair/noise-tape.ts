/**
 * Sampling models (a VAE's `randn_like`) compare deterministically when both sides use the same noise: the TS
 * side's normal draws from twinml's default generator are recorded on a tape (and replayed when the TS side runs
 * the same forward again); the Python side's torch.randn_like / torch.randn read the tape in the same order.
 */
import type { HostTensor } from '../../util/host-tensor.js';

const KEY = Symbol.for('twinml.defaultGenerator');

/** The normal draws of one forward, in order. */
export class NoiseTape {
  private readonly values: number[] = [];

  /**
   * Runs `fn` with the default generator's normal() recorded (mode 'record') or served from the tape ('replay').
   * @param mode - record new draws, or replay the recorded ones from the start
   * @param fn - the forward (or step)
   */
  run<T>(mode: 'record' | 'replay', fn: () => T): T {
    const holder = globalThis as unknown as Record<symbol, { normal(): number } | undefined>;
    const real = holder[KEY];
    if (!real) return fn(); // nothing has used the generator yet: the model cannot draw from it either
    let at = 0;
    holder[KEY] = new Proxy(real, {
      get: (target, prop, receiver) => {
        if (prop !== 'normal') return Reflect.get(target, prop, receiver) as unknown;
        return () => {
          if (mode === 'record') {
            const v = Math.fround(target.normal());
            this.values.push(v);
            return v;
          }
          if (at >= this.values.length) throw new Error(`the model drew more normal values on replay than the ${this.values.length} it recorded`);
          return this.values[at++]!;
        };
      },
    });
    try {
      return fn();
    } finally {
      holder[KEY] = real;
    }
  }

  /** The recorded draws as a float32 tensor (null when the model drew none). */
  tensor(): HostTensor | null {
    return this.values.length ? { dtype: 'float32', shape: [this.values.length], data: Float32Array.from(this.values) } : null;
  }
}
