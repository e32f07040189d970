/**
 * The default generator for initialisation and dropout masks, like torch's global generator.
 * `manualSeed(seed)` mirrors `torch.manual_seed(seed)`; the state is saved in checkpoints.
 */
import { Rng } from '../util/rng.js';

/**
 * The generator lives on globalThis so that every copy of twinml in a process shares it (a user's model file
 * loaded from TypeScript source next to the compiled CLI): one seed, one stream, one checkpointed state.
 */
const KEY = Symbol.for('twinml.defaultGenerator');
const holder = globalThis as { [KEY]?: Rng };

export function manualSeed(seed: number): Rng {
  holder[KEY] = new Rng(seed);
  return holder[KEY];
}

export function getDefaultGenerator(): Rng {
  return (holder[KEY] ??= new Rng(0));
}
