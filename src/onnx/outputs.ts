/**
 * A forward's outputs: one tensor, an array of tensors, or an object of tensors (Module<Out>). The exporter and
 * the export check flatten them the same way, in order, so graph output i is flattened output i.
 */
import * as tf from '@tensorflow/tfjs-core';

/** One flattened output: the object key it came from (null for a single tensor or an array element) and the tensor. */
export interface FlatOutput {
  key: string | null;
  tensor: tf.Tensor;
}

/**
 * Flattens what a forward returned into its output tensors, in order (array order, or the object's key order).
 * @param out - the forward's return value
 * @param where - names the model in errors
 */
export function flattenOutputs(out: unknown, where: string): FlatOutput[] {
  if (out instanceof tf.Tensor) return [{ key: null, tensor: out }];
  const entries: Array<[string | null, unknown]> = Array.isArray(out)
    ? out.map((t) => [null, t])
    : out !== null && typeof out === 'object' && Object.getPrototypeOf(out) === Object.prototype
      ? Object.entries(out)
      : [];
  if (entries.length === 0) {
    throw new Error(`${where}: forward must return a tensor, a non-empty array of tensors or an object of tensors; got ${describe(out)}`);
  }
  return entries.map(([key, t], i) => {
    if (!(t instanceof tf.Tensor)) {
      throw new Error(`${where}: forward output ${key === null ? i : `'${key}'`} is ${describe(t)}, not a tensor (nested outputs do not export)`);
    }
    return { key, tensor: t };
  });
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null || typeof v !== 'object') return String(v);
  return `a ${(v as object).constructor?.name ?? 'object'}`;
}

/**
 * The graph output names: for one output `outputName` (default 'output'), for several `outputNames` when given,
 * else the object keys, else `output_0`, `output_1`, ...
 * @param keys - the flattened outputs' keys (flattenOutputs)
 * @param options - the names the caller chose
 */
export function resolveOutputNames(keys: Array<string | null>, options: { outputName?: string; outputNames?: string[] }): string[] {
  let names: string[];
  if (options.outputNames) {
    if (options.outputNames.length !== keys.length) {
      throw new Error(`exportOnnx: options.outputNames has ${options.outputNames.length} names [${options.outputNames.join(', ')}], but forward returns ${keys.length} output(s)`);
    }
    if (keys.length === 1 && options.outputName !== undefined && options.outputName !== options.outputNames[0]) {
      throw new Error(`exportOnnx: options.outputName '${options.outputName}' and options.outputNames [${options.outputNames[0]}] disagree`);
    }
    names = [...options.outputNames];
  } else if (keys.length === 1) {
    names = [options.outputName ?? 'output'];
  } else {
    if (options.outputName !== undefined) throw new Error(`exportOnnx: forward returns ${keys.length} outputs; name them with options.outputNames, not options.outputName`);
    names = keys.map((k, i) => k ?? `output_${i}`);
  }
  const bad = names.find((n) => typeof n !== 'string' || n.trim() === '');
  if (bad !== undefined) throw new Error(`exportOnnx: output names must be non-empty strings, got ${JSON.stringify(bad)}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`exportOnnx: the output name '${dup}' is used twice (outputs: ${names.join(', ')})`);
  return names;
}
