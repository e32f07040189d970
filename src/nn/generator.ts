/**
 * The default generator for initialisation, dropout masks and the random tensor helpers, like torch's global
 * generator. `manual_seed(seed)` mirrors `torch.manual_seed(seed)`; the state is saved in checkpoints.
 */
import { Rng } from '../util/rng.js';

export { Rng as Generator };

/**
 * The generator lives on globalThis so that every copy of twinml in a process shares it (a user's model file
 * loaded from TypeScript source next to the compiled CLI): one seed, one stream, one checkpointed state.
 */
const KEY = Symbol.for('twinml.defaultGenerator');
const holder = globalThis as { [KEY]?: Rng };

/**
 * Seeds the global generator, like `torch.manual_seed(seed)`: everything drawn afterwards (init, dropout, randn, ...)
 * is reproducible from this seed on one backend. Returns the new generator.
 * @param seed - any integer
 */
export function manualSeed(seed: number): Rng {
  holder[KEY] = new Rng(seed);
  return holder[KEY];
}

/** torch's name for {@link manualSeed}. */
export const manual_seed = manualSeed;

/** The global generator (what `generator` options default to). */
export function getDefaultGenerator(): Rng {
  return (holder[KEY] ??= new Rng(0));
}

/** Fills `out` with standard normal values (mean 0, std 1) from `rng`. */
export function fillNormal(out: Float32Array, rng: Rng = getDefaultGenerator(), mean = 0, std = 1): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = mean + std * rng.normal();
  return out;
}
