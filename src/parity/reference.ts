/** Calls a reference function in float64 and float32 and splits the results into G and P. */
import type { PythonBridge } from '../bridge/python-bridge.js';
import type { TensorMap } from '../bridge/tensor-files.js';
import type { HostTensor, StateDict } from '../util/host-tensor.js';

export interface ReferenceResult<R = unknown> {
  /** PyTorch in float64 (the ground truth), by output name. */
  g: StateDict;
  /** PyTorch in float32 (the noise floor), by output name. */
  p: StateDict;
  result: { float64: R; float32: R };
}

/**
 * Runs `fn` in both dtypes.
 * @param py - the bridge
 * @param fn - a reference function name (python/twinml_ref/reference/functions.py)
 * @param args - JSON arguments
 * @param tensors - input tensors
 */
export async function reference<R = unknown>(py: PythonBridge, fn: string, args: Record<string, unknown>, tensors: TensorMap): Promise<ReferenceResult<R>> {
  const out = await py.call<{ float64: R; float32: R }>(fn, { ...args, dtypes: ['float64', 'float32'] }, tensors);
  const g: StateDict = new Map();
  const p: StateDict = new Map();
  for (const [key, value] of out.tensors) {
    if (key.startsWith('float64/')) g.set(key.slice(8), value);
    else if (key.startsWith('float32/')) p.set(key.slice(8), value);
  }
  return { g, p, result: out.result };
}

/** The named tensor, or an error listing what exists. */
export function pick(map: StateDict, name: string): HostTensor {
  const t = map.get(name);
  if (!t) throw new Error(`reference output ${name} is missing; have ${[...map.keys()].join(', ')}`);
  return t;
}
