/**
 * The default generator for initialisation and dropout masks, like torch's global generator.
 * `manualSeed(seed)` mirrors `torch.manual_seed(seed)`; the state is saved in checkpoints.
 */
import { Rng } from '../util/rng.js';

let defaultGenerator = new Rng(0);

export function manualSeed(seed: number): Rng {
  defaultGenerator = new Rng(seed);
  return defaultGenerator;
}

export function getDefaultGenerator(): Rng {
  return defaultGenerator;
}
