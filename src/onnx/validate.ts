/**
 * Checks an exported model against the TypeScript forward: random inputs at batch sizes 1 and 7 go through both,
 * and a difference above `rtol * max|output|` fails with the max difference. The ONNX side runs through a session
 * opener passed in (src/onnx never imports onnxruntime; src/cli wires in src/inference).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';

/** One float32 tensor. */
export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

/** What validation needs from an ONNX runtime session. */
export interface ValidationSession {
  run(feeds: Record<string, FloatTensor>): Promise<Record<string, FloatTensor>>;
  close(): Promise<void>;
}

export interface ValidateOptions {
  /** The input shape of one sample with the batch first (the batch entry is replaced), e.g. [1, 1, 28, 28]. */
  inputShape: number[];
  inputName?: string;
  outputName?: string;
  /** Default [1, 7]. */
  batchSizes?: number[];
  /** Relative tolerance against max |TS output| (default 1e-5). */
  rtol?: number;
  /** Seed of the random inputs (default 0). */
  seed?: number;
}

export interface BatchComparison {
  batch: number;
  maxAbsDiff: number;
  maxAbsOutput: number;
  tolerance: number;
}

export interface ValidationReport {
  batches: BatchComparison[];
  /** The largest difference over all batches. */
  maxAbsDiff: number;
}

export class OnnxValidationError extends Error {
  constructor(
    message: string,
    readonly report: ValidationReport,
  ) {
    super(message);
    this.name = 'OnnxValidationError';
  }
}

function compare(ts: Float32Array, onnx: Float32Array): { maxAbsDiff: number; maxAbsOutput: number; nanMismatch: number } {
  let maxAbsDiff = 0;
  let maxAbsOutput = 0;
  let nanMismatch = 0;
  for (let i = 0; i < ts.length; i++) {
    const a = ts[i] as number;
    const b = onnx[i] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) {
      if (Number.isNaN(a) !== Number.isNaN(b)) nanMismatch++;
      continue;
    }
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a - b));
    maxAbsOutput = Math.max(maxAbsOutput, Math.abs(a));
  }
  return { maxAbsDiff, maxAbsOutput, nanMismatch };
}

/**
 * Runs the TS model and the ONNX session on the same random inputs and compares the outputs.
 * @param model - the TS model the ONNX was exported from (compared in eval mode; its flags are restored)
 * @param session - an open session on the exported bytes
 * @param options - input shape, names, batch sizes, tolerance
 * @returns the per-batch differences; throws OnnxValidationError with the max difference on a mismatch
 */
export async function validateOnnxExport(model: Module, session: ValidationSession, options: ValidateOptions): Promise<ValidationReport> {
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  const rtol = options.rtol ?? 1e-5;
  const sample = options.inputShape.slice(1);
  const batches: BatchComparison[] = [];
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    for (const [k, batch] of (options.batchSizes ?? [1, 7]).entries()) {
      const dims = [batch, ...sample];
      const { input, expected, expectedShape } = tf.tidy(() => {
        const x = tf.randomNormal(dims, 0, 1, 'float32', (options.seed ?? 0) * 1000 + k);
        const y = model.call(x);
        return { input: x.dataSync() as Float32Array, expected: y.dataSync() as Float32Array, expectedShape: [...y.shape] };
      });
      const result = await session.run({ [inputName]: { data: input, dims } });
      const out = result[outputName];
      if (!out) throw new Error(`ONNX validation: the session has no output '${outputName}' (outputs: ${Object.keys(result).join(', ')})`);
      const report = (): ValidationReport => ({ batches, maxAbsDiff: Math.max(0, ...batches.map((b) => b.maxAbsDiff)) });
      if (out.dims.length !== expectedShape.length || out.dims.some((d, i) => d !== expectedShape[i])) {
        throw new OnnxValidationError(
          `ONNX validation failed at batch ${batch}: output shape [${out.dims.join(', ')}] but the TS model gives [${expectedShape.join(', ')}]`,
          report(),
        );
      }
      const { maxAbsDiff, maxAbsOutput, nanMismatch } = compare(expected, out.data);
      const tolerance = rtol * maxAbsOutput;
      batches.push({ batch, maxAbsDiff, maxAbsOutput, tolerance });
      if (nanMismatch > 0 || !(maxAbsDiff <= tolerance)) {
        throw new OnnxValidationError(
          `ONNX validation failed at batch ${batch}: max |TS - ONNX| = ${maxAbsDiff.toExponential(3)} > ${rtol} * max|output| ` +
            `(${maxAbsOutput.toExponential(3)}) = ${tolerance.toExponential(3)}` +
            (nanMismatch ? `; NaN at ${nanMismatch} positions on one side only` : ''),
          report(),
        );
      }
    }
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  return { batches, maxAbsDiff: Math.max(0, ...batches.map((b) => b.maxAbsDiff)) };
}
