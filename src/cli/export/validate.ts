/**
 * Checks an exported ONNX model against the TS model: random inputs at batch sizes 1 and 7 through
 * onnxruntime-node (the inference library) and the TS forward; a mismatch throws with the max difference.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../../nn/module.js';
import { loadModel } from '../../inference/index.js';
import { Rng } from '../../util/rng.js';

export interface ExportCheck {
  batch: number;
  maxAbsDiff: number;
  maxAbsOutput: number;
}

/** Tolerance: float32 kernels differ in summation order; 1e-5 of the output scale (issue #7's criterion). */
export const EXPORT_RELATIVE_TOLERANCE = 1e-5;

export async function validateExport(onnx: Uint8Array, model: Module, sampleShape: number[], batches = [1, 7]): Promise<ExportCheck[]> {
  const session = await loadModel(onnx, { workers: 0 });
  const wasTraining = model.training;
  model.eval();
  const rng = new Rng(12345);
  const checks: ExportCheck[] = [];
  try {
    for (const batch of batches) {
      const shape = [batch, ...sampleShape];
      const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < x.length; i++) x[i] = rng.normal();
      const expected = tf.tidy(() => model.call(tf.tensor(x, shape, 'float32')).dataSync() as Float32Array);
      const outputs = await session.predict({ data: x, shape });
      const got = Object.values(outputs)[0]!.data as Float32Array;
      if (got.length !== expected.length) throw new Error(`ONNX export check: the ONNX output has ${got.length} values at batch ${batch}, the TS model ${expected.length}`);
      let maxAbsDiff = 0;
      let maxAbsOutput = 0;
      for (let i = 0; i < got.length; i++) {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i]! - expected[i]!));
        maxAbsOutput = Math.max(maxAbsOutput, Math.abs(expected[i]!));
      }
      checks.push({ batch, maxAbsDiff, maxAbsOutput });
      if (!(maxAbsDiff <= EXPORT_RELATIVE_TOLERANCE * maxAbsOutput)) {
        throw new Error(`ONNX export check failed at batch ${batch}: max |onnxruntime - TS| = ${maxAbsDiff.toExponential(3)} (max |output| ${maxAbsOutput.toFixed(3)}, tolerance ${EXPORT_RELATIVE_TOLERANCE} relative)`);
      }
    }
  } finally {
    model.train(wasTraining);
    await session.close();
  }
  return checks;
}
