/**
 * `twinml export --ts … --example ids.json --dynamic-axes 1:sequence`: the user's example input (token ids or
 * values) to trace with, the dynamic axes besides the batch, and the check of the export at the example and at a
 * shorter length of every dynamic axis (onnxruntime-node against the TS model).
 */
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import type { AnyModule } from '../../nn/module.js';
import { loadModel } from '../../inference/index.js';
import { parseNpy } from '../../util/npy.js';
import { flattenOutputs } from '../../onnx/outputs.js';
import type { InputSpec } from '../../parity/pair/input-spec.js';
import { EXPORT_RELATIVE_TOLERANCE, type ExportCheck } from './validate.js';

function flatNumbers(value: unknown, path: string, out: number[], shape: number[], depth: number): void {
  if (Array.isArray(value)) {
    if (shape[depth] === undefined) shape[depth] = value.length;
    else if (shape[depth] !== value.length) throw new Error(`${path}: ragged nesting (${value.length} entries where ${shape[depth]} were expected)`);
    value.forEach((v, i) => flatNumbers(v, `${path}[${i}]`, out, shape, depth + 1));
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${path}: expected a number, got ${JSON.stringify(value)}`);
  out.push(value);
}

/**
 * Reads the example input (a .json of nested numbers, or a .npy) as the tensor to trace with.
 * @param file - the --example file
 * @param spec - the --input shape and dtype it must match
 */
export function readExampleInput(file: string, spec: InputSpec): tf.Tensor {
  let values: ArrayLike<number>;
  let shape: number[];
  if (file.endsWith('.npy')) {
    const npy = parseNpy(readFileSync(file), file);
    values = Array.from(npy.data as ArrayLike<number | bigint>, Number);
    shape = npy.shape;
  } else if (file.endsWith('.json')) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`--example ${file}: ${(e as Error).message}`);
    }
    const flat: number[] = [];
    shape = [];
    flatNumbers(json, `--example ${file}`, flat, shape, 0);
    values = flat;
  } else {
    throw new Error(`--example ${file}: expected a .json (nested arrays of numbers) or a .npy file`);
  }
  if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
    throw new Error(`--example ${file}: shape [${shape.join(', ')}] differs from --input [${spec.shape.join(', ')}]`);
  }
  if (spec.dtype === 'int64') {
    const bad = Array.from(values).findIndex((v) => !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1);
    if (bad >= 0) throw new Error(`--example ${file}: value ${bad} is ${values[bad]}, not a token id (an int32-range integer) as --input ${spec.shape.join('x')}:int64 needs`);
    return tf.tensor(Int32Array.from(values), shape, 'int32');
  }
  return tf.tensor(Float32Array.from(values), shape, 'float32');
}

/**
 * Parses `--dynamic-axes 1:sequence,2:frames` (dimension 0 is always 'batch').
 * @param text - the option's value
 * @param rank - the input's rank
 */
export function parseDynamicAxes(text: string | undefined, rank: number): Record<number, string> {
  const axes: Record<number, string> = { 0: 'batch' };
  if (!text) return axes;
  for (const part of text.split(',')) {
    const [dim, name, ...rest] = part.trim().split(':');
    const d = Number(dim);
    if (rest.length > 0 || !name || !Number.isInteger(d) || d < 1 || d >= rank) {
      throw new Error(`--dynamic-axes ${JSON.stringify(text)}: expected DIM:NAME[,DIM:NAME], DIM in 1..${rank - 1} (dimension 0 is the batch), e.g. 1:sequence`);
    }
    axes[d] = name;
  }
  return axes;
}

/**
 * Checks the export at the example, and with every dynamic axis one shorter (a prefix), against the TS model.
 * @param onnx - the exported model
 * @param model - the TS model
 * @param example - the traced example input
 * @param spec - the input's dtype
 * @param dynamicDims - the dynamic dimensions besides the batch
 */
export async function validateWithExample(onnx: Uint8Array, model: AnyModule, example: tf.Tensor, spec: InputSpec, dynamicDims: number[]): Promise<ExportCheck[]> {
  const session = await loadModel(onnx, { workers: 0 });
  const wasTraining = model.training;
  model.eval();
  const checks: ExportCheck[] = [];
  const variants = [example.shape, ...dynamicDims.filter((d) => (example.shape[d] as number) > 1).map((d) => example.shape.map((n, i) => (i === d ? n - 1 : n)))];
  try {
    for (const shape of variants) {
      const x = tf.slice(example, shape.map(() => 0), shape);
      try {
        const expected = tf.tidy(() => flattenOutputs(model.call(x) as unknown, 'ONNX export check').map((o) => o.tensor.dataSync()));
        const raw = x.dataSync();
        const data = spec.dtype === 'int64' ? BigInt64Array.from(raw, (v) => BigInt(v)) : Float32Array.from(raw);
        const outputs = await session.predict({ data, shape: [...shape], dtype: spec.dtype });
        session.outputs.forEach((o, k) => {
          const want = expected[k]!;
          const got = outputs[o.name]!.data as ArrayLike<number>;
          let maxAbsDiff = got.length === want.length ? 0 : Infinity;
          let maxAbsOutput = 0;
          for (let i = 0; i < want.length; i++) {
            maxAbsDiff = Math.max(maxAbsDiff, Math.abs(Number(got[i]) - want[i]!));
            maxAbsOutput = Math.max(maxAbsOutput, Math.abs(want[i]!));
          }
          checks.push({ batch: shape[0] as number, output: o.name, maxAbsDiff, maxAbsOutput });
          if (!(maxAbsDiff <= EXPORT_RELATIVE_TOLERANCE * maxAbsOutput)) {
            throw new Error(`ONNX export check failed at input shape [${shape.join(', ')}]: max |onnxruntime - TS| = ${maxAbsDiff.toExponential(3)} in output '${o.name}' (max |output| ${maxAbsOutput.toFixed(3)})`);
          }
        });
      } finally {
        x.dispose();
      }
    }
  } finally {
    model.train(wasTraining);
    await session.close();
  }
  return checks;
}
