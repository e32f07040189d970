import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../../src/backend/index.js';

/** Starts a backend for a test file and returns tf. */
export async function withBackend(name: BackendName = 'cpu'): Promise<typeof tf> {
  await useBackend(name);
  return tf;
}

/** Max |a - b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
