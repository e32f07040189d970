import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed } from '../../src/nn/index.js';
import { exportOnnx, validateOnnxExport, OnnxValidationError } from '../../src/onnx/index.js';
import { openOnnxSession } from '../../src/inference/onnx-runner.js';
import { MlpLike } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('validateOnnxExport', () => {
  it('passes at batch sizes 1 and 7 for a faithful export and reports the differences', async () => {
    manualSeed(11);
    const model = new MlpLike();
    const session = await openOnnxSession(exportOnnx(model, { inputShape: [1, 1, 28, 28] }));
    const report = await validateOnnxExport(model, session, { inputShape: [1, 1, 28, 28] });
    await session.close();
    expect(report.batches.map((b) => b.batch)).toEqual([1, 7]);
    for (const b of report.batches) {
      expect(b.maxAbsOutput).toBeGreaterThan(0);
      expect(b.maxAbsDiff).toBeLessThanOrEqual(b.tolerance);
    }
  });

  it('fails with the max difference when the ONNX file does not compute the TS model', async () => {
    manualSeed(12);
    const exported = new MlpLike();
    manualSeed(13);
    const other = new MlpLike();
    const session = await openOnnxSession(exportOnnx(exported, { inputShape: [1, 1, 28, 28] }));
    const run = validateOnnxExport(other, session, { inputShape: [1, 1, 28, 28] });
    await expect(run).rejects.toThrow(OnnxValidationError);
    await expect(run).rejects.toThrow(/failed at batch 1: max \|TS - ONNX\| = \d\.\d+e[-+]\d+ > 0\.00001 \* max\|output\|/);
    await session.close();
  });
});
