/** MultiheadAttention and the Transformer layers: torch's init, copies, errors, repr and no leaks (parity: parity-tests/layers/sequence.test.ts). */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import * as nn from '../../src/nn/index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const values = (p: nn.Parameter | null) => Array.from(p!.variable.dataSync());

describe('MultiheadAttention', () => {
  it("initialises like torch: xavier_uniform_ in_proj_weight, zero in_proj_bias and out_proj.bias, Linear's out_proj.weight", () => {
    nn.manualSeed(1);
    const m = new nn.MultiheadAttention(16, 4);
    const bound = Math.sqrt(6 / (16 + 48));
    const w = values(m.in_proj_weight);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(values(m.in_proj_bias).every((v) => v === 0)).toBe(true);
    expect(values(m.out_proj.bias).every((v) => v === 0)).toBe(true);
    const outBound = 1 / Math.sqrt(16);
    expect(Math.max(...values(m.out_proj.weight).map(Math.abs))).toBeLessThanOrEqual(outBound);
    expect([...m.stateDict().keys()]).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(m.out_proj.typeName).toBe('NonDynamicallyQuantizableLinear');
    m.dispose();
  });

  it('rejects what torch rejects, with the values in the message', () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(/embed_dim \(10\) must be divisible by num_heads \(3\)/);
    expect(() => new nn.MultiheadAttention(8, 2, { addBiasKv: true })).toThrow(/add_bias_kv=True is not supported/);
    const m = new nn.MultiheadAttention(8, 2);
    const x = tf.ones([5, 3, 8]);
    expect(() => m.call(x, x, x, { isCausal: true })).toThrow(/isCausal is a hint and needs attnMask/);
    expect(() => m.call(x, x, x, { attnMask: tf.zeros([4, 5]) })).toThrow(/2-D attn_mask has shape \[4, 5\], but should be \[5, 5\]/);
    expect(() => m.call(x, x, x, { keyPaddingMask: tf.zeros([5, 3], 'bool') })).toThrow(/key_padding_mask has shape \[5, 3\], but should be \[3, 5\]/);
    expect(() => m.call(tf.ones([5, 3, 6]), x, x)).toThrow(/expected query with 8 features/);
    m.dispose();
    x.dispose();
  });

  it('returns [output, weights] (weights rows sum to 1), or [output] without needWeights, leaking nothing', () => {
    nn.manualSeed(2);
    const m = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const x = tf.randomNormal([3, 5, 8]);
    const before = tf.memory().numTensors;
    const [out, w] = m.call(x, x, x);
    expect(out!.shape).toEqual([3, 5, 8]);
    expect(w!.shape).toEqual([3, 5, 5]);
    const sums = tf.sum(w!, -1);
    for (const v of sums.dataSync()) expect(v).toBeCloseTo(1, 5);
    const only = m.call(x, x, x, { needWeights: false });
    expect(only.length).toBe(1);
    tf.dispose([out!, w!, sums, ...only]);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    x.dispose();
  });
});

describe('Transformer layers', () => {
  it("TransformerEncoder copies its layer: torch's child names, equal initial layers, a separate template", () => {
    nn.manualSeed(3);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const encoder = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) });
    const keys = [...encoder.stateDict().keys()];
    expect(keys.slice(0, 12)).toEqual([
      'layers.0.self_attn.in_proj_weight',
      'layers.0.self_attn.in_proj_bias',
      'layers.0.self_attn.out_proj.weight',
      'layers.0.self_attn.out_proj.bias',
      'layers.0.linear1.weight',
      'layers.0.linear1.bias',
      'layers.0.linear2.weight',
      'layers.0.linear2.bias',
      'layers.0.norm1.weight',
      'layers.0.norm1.bias',
      'layers.0.norm2.weight',
      'layers.0.norm2.bias',
    ]);
    expect(keys.slice(-2)).toEqual(['norm.weight', 'norm.bias']);
    const sd = encoder.stateDict();
    expect(Array.from(sd.get('layers.1.linear1.weight')!.data as Float32Array)).toEqual(Array.from(sd.get('layers.0.linear1.weight')!.data as Float32Array));
    expect(encoder.layers.at(0)).not.toBe(layer);
    layer.dispose();
    expect(encoder.parameters().length).toBe(2 * 12 + 2);
    encoder.dispose();
  });

  it('TransformerDecoderLayer has torch children (self_attn, multihead_attn, norm3, dropout3) and an activation module is a child', () => {
    const gelu = new nn.GELU();
    const d = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, activation: gelu });
    const names = d.namedChildren().map(([n]) => n);
    expect(names).toEqual(['self_attn', 'multihead_attn', 'linear1', 'dropout', 'linear2', 'norm1', 'norm2', 'norm3', 'dropout1', 'dropout2', 'dropout3', 'activation']);
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow(/activation should be relu\/gelu, not tanh/);
    d.dispose();
  });

  it('a training step of a TransformerEncoderLayer keeps the tensor count flat', () => {
    nn.manualSeed(4);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    const x = tf.randomNormal([2, 4, 8]);
    const params = layer.parameters().map((p) => p.variable);
    const step = () => tf.tidy(() => void Object.values(tf.variableGrads(() => tf.sum(layer.call(x)), params).grads).forEach((g) => g.dispose()));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    layer.dispose();
    x.dispose();
  });
});
