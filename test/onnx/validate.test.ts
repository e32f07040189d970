import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { exportOnnx } from '../../src/onnx/index.js';
import { validateExport } from '../../src/cli/export/validate.js';
import { MlpLike } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('export validation in onnxruntime-node', () => {
  it('passes at batch sizes 1 and 7 for a faithful export and reports the differences', async () => {
    manualSeed(11);
    const model = new MlpLike();
    const checks = await validateExport(exportOnnx(model, { inputShape: [1, 1, 28, 28] }), model, [1, 28, 28]);
    expect(checks.map((c) => c.batch)).toEqual([1, 7]);
    for (const c of checks) {
      expect(c.maxAbsOutput).toBeGreaterThan(0);
      expect(c.maxAbsDiff).toBeLessThanOrEqual(1e-5 * c.maxAbsOutput);
    }
  });

  it('fails with the max difference when the ONNX file does not compute the TS model', async () => {
    manualSeed(12);
    const exported = new MlpLike();
    manualSeed(13);
    const other = new MlpLike();
    await expect(validateExport(exportOnnx(exported, { inputShape: [1, 1, 28, 28] }), other, [1, 28, 28])).rejects.toThrow(
      /check failed at batch 1: max \|onnxruntime - TS\| = \d\.\d+e[-+]\d+/,
    );
  });
});
