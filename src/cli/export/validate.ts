/**
 * Checks an exported ONNX model against the TS model: random inputs at batch sizes 1 and 7 through
 * onnxruntime-node (the inference library) and the TS forward, every output of a several-output model compared by
 * position; a mismatch throws naming the output and the max difference.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AnyModule } from '../../nn/module.js';
import { loadModel } from '../../inference/index.js';
import { Rng } from '../../util/rng.js';
import { flattenOutputs } from '../../onnx/outputs.js';

export interface ExportCheck {
  batch: number;
  /** The graph output checked (every output is checked; one entry per output and batch). */
  output: string;
  maxAbsDiff: number;
  maxAbsOutput: number;
}

/** Tolerance: float32 kernels differ in summation order; 1e-5 of the output scale (issue #7's criterion). */
export const EXPORT_RELATIVE_TOLERANCE = 1e-5;

export async function validateExport(onnx: Uint8Array, model: AnyModule, sampleShape: number[], batches = [1, 7]): Promise<ExportCheck[]> {
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
      const expected = tf.tidy(() => flattenOutputs(model.call(tf.tensor(x, shape, 'float32')) as unknown, 'ONNX export check').map((o) => o.tensor.dataSync() as Float32Array));
      const outputs = await session.predict({ data: x, shape });
      const names = session.outputs.map((o) => o.name);
      if (names.length !== expected.length) throw new Error(`ONNX export check: the ONNX model has ${names.length} outputs (${names.join(', ')}), the TS model ${expected.length}`);
      names.forEach((name, k) => {
        const want = expected[k]!;
        const got = outputs[name]!.data as Float32Array;
        if (got.length !== want.length) throw new Error(`ONNX export check: output '${name}' has ${got.length} values at batch ${batch} in onnxruntime, ${want.length} in the TS model`);
        let maxAbsDiff = 0;
        let maxAbsOutput = 0;
        for (let i = 0; i < got.length; i++) {
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i]! - want[i]!));
          maxAbsOutput = Math.max(maxAbsOutput, Math.abs(want[i]!));
        }
        checks.push({ batch, output: name, maxAbsDiff, maxAbsOutput });
        if (!(maxAbsDiff <= EXPORT_RELATIVE_TOLERANCE * maxAbsOutput)) {
          throw new Error(`ONNX export check failed at batch ${batch}: max |onnxruntime - TS| = ${maxAbsDiff.toExponential(3)} in output '${name}' (max |output| ${maxAbsOutput.toFixed(3)}, tolerance ${EXPORT_RELATIVE_TOLERANCE} relative)`);
        }
      });
    }
  } finally {
    model.train(wasTraining);
    await session.close();
  }
  return checks;
}
