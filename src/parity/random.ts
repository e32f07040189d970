/** Seeded random inputs for the parity suites (float32 values, so both sides start from identical numbers). */
import { Rng } from '../util/rng.js';
import { numel, type HostTensor } from '../util/host-tensor.js';

/** The seed every suite derives its inputs from (recorded in each row). */
export const PARITY_SEED = 20260;

/**
 * Normal(0, scale) values of a shape, from a generator derived from the seed and a label.
 * @param label - what the tensor is (each label gives an independent stream)
 * @param shape - PyTorch shape
 * @param scale - standard deviation
 */
export function randn(label: string, shape: number[], scale = 1, seed = PARITY_SEED): HostTensor {
  const rng = Rng.derive(seed, label);
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * scale;
  return { dtype: 'float32', shape, data };
}

/** Uniform integers in [0, high) as int64 (class targets). */
export function randint(label: string, shape: number[], high: number, seed = PARITY_SEED): HostTensor {
  const rng = Rng.derive(seed, label);
  const data = new BigInt64Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = BigInt(rng.randint(high));
  return { dtype: 'int64', shape, data };
}
