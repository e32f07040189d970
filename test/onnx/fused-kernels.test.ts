/**
 * A custom forward calling F.layer_norm exports and matches the TS forward at any sequence length. The fused
 * TwinmlLayerNorm kernel (wasm) runs only while a gradient is recorded, so an export (forward only, eval mode) traces
 * F.layer_norm's composed ops; the nn.LayerNorm module exports as one LayerNormalization (test/onnx/kv-cache.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/index.js';
import { LAYER_NORM, hasKernel } from '../../src/backend/sequence-kernels.js';
import { Linear, Module, manualSeed } from '../../src/nn/index.js';
import { layer_norm } from '../../src/nn/functional/normalization.js';
import { decodeModelProto, exportOnnx } from '../../src/onnx/index.js';
import { maxAbs, maxAbsDiff } from './fixtures.js';

beforeAll(async () => {
  await useBackend('cpu');
});

class Normed extends Module {
  fc = new Linear(6, 6);
  forward(x: tf.Tensor): tf.Tensor {
    return layer_norm(this.fc.call(x), [6], this.fc.bias!.variable, null, 1e-3);
  }
}

describe('exportOnnx with the fused kernels', () => {
  it('F.layer_norm in a custom forward exports with a dynamic sequence axis and matches onnxruntime', async () => {
    expect(hasKernel(LAYER_NORM)).toBe(false); // cpu: tfjs's composed ops, the reference

    manualSeed(91);
    const model = new Normed();
    const x = tf.randomNormal([2, 5, 6], 0, 1, 'float32', 3);
    const bytes = exportOnnx(model, { exampleInputs: { x }, dynamicAxes: { x: { 0: 'batch', 1: 'sequence' } } });
    const ops = (decodeModelProto(bytes) as unknown as { graph: { node: Array<{ opType: string }> } }).graph.node.map((n) => n.opType);
    expect(ops).toContain('ReduceMean');
    const session = await ort.InferenceSession.create(bytes);
    for (const shape of [[1, 3, 6], [3, 9, 6]]) {
      const input = tf.randomNormal(shape, 0, 1, 'float32', 4);
      const want = tf.tidy(() => model.call(input).dataSync() as Float32Array);
      const got = (await session.run({ x: new ort.Tensor('float32', input.dataSync() as Float32Array, shape) })).output!.data as Float32Array;
      expect(maxAbsDiff(want, got)).toBeLessThanOrEqual(1e-5 * maxAbs(want));
      input.dispose();
    }
    await session.release();
    x.dispose();
  });
});
