/**
 * Random ops must not reach an exported graph: a forward that draws random numbers in eval mode (dropout forced
 * on, `randn_like` sampling) would be traced with one sample baked in as a constant. Before exporting, the
 * model runs once with twinml's default generator replaced by one that throws, naming the draw and the module
 * path where it happened.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';

/** The drawing methods of twinml's Rng and the torch op each corresponds to. */
const DRAWS: Record<string, string> = {
  random: 'a uniform draw (rand / dropout / bernoulli)',
  uniform: 'a uniform draw (rand / uniform_)',
  normal: 'a normal draw (randn / randn_like / normal_)',
  randint: 'an integer draw (randint / randperm)',
  permutation: 'a permutation (randperm)',
  fillUniform: 'a uniform draw (rand / uniform_)',
};

const KEY = Symbol.for('twinml.defaultGenerator');

/** Thrown when a model draws random numbers in eval mode at export. */
export class RandomOpExportError extends Error {}

/**
 * Runs one eval-mode forward of `model` on `input` and throws RandomOpExportError when anything draws from
 * twinml's default generator, naming the draw and the innermost module path.
 * @param model - the model (its train/eval flags are restored)
 * @param input - an example input (not disposed)
 */
export function assertNoRandomOps(model: Module, input: tf.Tensor): void {
  const holder = globalThis as unknown as Record<symbol, object | undefined>;
  const real = holder[KEY];
  const stack: string[] = [];
  const restore: Array<() => void> = [];
  for (const [path, m] of model.namedModules()) {
    const original = m.call;
    Object.defineProperty(m, 'call', {
      configurable: true,
      writable: true,
      enumerable: false,
      value: (...inputs: tf.Tensor[]) => {
        stack.push(`${path || '(model)'} (${m.typeName})`);
        try {
          return original.apply(m, inputs);
        } finally {
          stack.pop();
        }
      },
    });
    restore.push(() => delete (m as unknown as { call?: unknown }).call);
  }
  holder[KEY] = new Proxy(real ?? {}, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in DRAWS) {
        return () => {
          throw new RandomOpExportError(
            `cannot export: ${stack.at(-1) ?? '(model)'} makes ${DRAWS[prop]} in eval mode; an ONNX graph would hold one fixed sample as a constant. ` +
              'Make the forward deterministic in eval mode (use the mean instead of sampling, dropout only when this.training) and export again.',
          );
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  const wasTraining = model.training;
  model.eval();
  try {
    tf.tidy(() => {
      model.call(input);
    });
  } finally {
    holder[KEY] = real;
    for (const r of restore) r();
    model.train(wasTraining);
  }
}
