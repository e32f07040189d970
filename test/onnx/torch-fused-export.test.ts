/**
 * Export on the `torch` backend, where F.gelu and F.scaled_dot_product_attention run twinml's fused kernels
 * (TwinmlGelu, TwinmlScaledDotProductAttention), F.layer_norm runs TwinmlLayerNorm even without gradients and a Linear
 * on [B, T, C] runs TwinmlLinear: a custom forward using all four exports (src/onnx/kernels-fused.ts: the composed
 * ONNX nodes, opset 17), follows a dynamic sequence axis (the causal mask becomes a Trilu) and matches the TS forward
 * in onnxruntime-node. Skipped with one line without the addon.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/index.js';
import { Linear, Module, manualSeed } from '../../src/nn/index.js';
import * as F from '../../src/nn/functional/index.js';
import { decodeModelProto, exportOnnx } from '../../src/onnx/index.js';
import { maxAbs, maxAbsDiff } from './fixtures.js';
import { torchAvailable, torchTitle } from '../backend/torch-helpers.js';

const suite = torchAvailable ? describe : describe.skip;

/** x [B, T, 8] -> LayerNorm -> 2 heads of causal self-attention (tanh GELU on the values) -> GELU. */
class FusedBlock extends Module {
  qkv = new Linear(8, 24);
  forward(x: tf.Tensor): tf.Tensor {
    const [b, t] = x.shape as [number, number, number];
    const h = F.layer_norm(x, [8], null, null, 1e-5);
    const heads = (y: tf.Tensor) => tf.transpose(tf.reshape(y, [b, t, 2, 4]), [0, 2, 1, 3]);
    const [q, k, v] = tf.split(this.qkv.call(h), 3, 2).map(heads) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const y = F.scaled_dot_product_attention(q, k, F.gelu(v, { approximate: 'tanh' }), { isCausal: true });
    return F.gelu(tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b, t, 8]));
  }
}

suite(torchTitle('ONNX export on the torch backend (fused kernels)'), () => {
  it('F.layer_norm, F.gelu and causal F.scaled_dot_product_attention export and match onnxruntime at every length', async () => {
    await useBackend('torch');
    manualSeed(5);
    const model = new FusedBlock();
    model.eval();
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 3);
    const kernels = new Set<string>();
    const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
    const original = engine.runKernel;
    engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
      kernels.add(name);
      return original.call(this, name, ...rest);
    };
    let bytes: Uint8Array;
    try {
      bytes = exportOnnx(model, { exampleInputs: { x }, dynamicAxes: { x: { 0: 'batch', 1: 'sequence' } } });
    } finally {
      engine.runKernel = original;
    }
    for (const k of ['TwinmlLayerNorm', 'TwinmlGelu', 'TwinmlScaledDotProductAttention', 'TwinmlLinear']) expect(kernels, k).toContain(k);
    const ops = (decodeModelProto(bytes) as unknown as { graph: { node: Array<{ opType: string }> } }).graph.node.map((n) => n.opType);
    for (const op of ['LayerNormalization', 'Erf', 'Tanh', 'Softmax', 'Trilu']) expect(ops, op).toContain(op);
    const session = await ort.InferenceSession.create(bytes);
    for (const shape of [[1, 1, 8], [2, 5, 8], [3, 9, 8]]) {
      const input = tf.randomNormal(shape, 0, 1, 'float32', 4);
      const want = tf.tidy(() => model.call(input).dataSync() as Float32Array);
      const got = (await session.run({ x: new ort.Tensor('float32', input.dataSync() as Float32Array, shape) })).output!.data as Float32Array;
      expect(maxAbsDiff(want, got), `[${shape}]`).toBeLessThanOrEqual(1e-5 * maxAbs(want));
      input.dispose();
    }
    await session.release();
    x.dispose();
  });
});
