/**
 * nn.RNN / LSTM / GRU, ConvTranspose2d, Upsample and PixelShuffle beyond the PyTorch parity suites
 * (parity-tests/layers/recurrent.test.ts, upsampling.test.ts): state_dict keys in PyTorch's order, the init bound,
 * clear errors for bad arguments and inputs, dropout between layers only in training (seeded), ConvTranspose2d's
 * output_size, and no tensor leaks over a training step.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/nn/functional/index.js';
import { backward } from '../../src/train/backward.js';
import { withBackend } from '../helpers/backend.js';

describe('nn.LSTM / nn.GRU / nn.RNN', () => {
  it("lists PyTorch's parameter names in PyTorch's order, initialised within 1/sqrt(hidden)", async () => {
    await withBackend('cpu');
    const m = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
    const keys = [...m.stateDict().keys()];
    const layer = (k: string) => [`weight_ih_${k}`, `weight_hh_${k}`, `bias_ih_${k}`, `bias_hh_${k}`];
    expect(keys).toEqual([...layer('l0'), ...layer('l0_reverse'), ...layer('l1'), ...layer('l1_reverse')]);
    expect(m.stateDict().get('weight_ih_l1')!.shape).toEqual([16, 8]);
    for (const [, v] of m.stateDict()) for (const x of v.data as Float32Array) expect(Math.abs(x)).toBeLessThanOrEqual(0.5);
    expect(`${m.typeName}(${m.extraRepr()})`).toBe('LSTM(3, 4, num_layers=2, bidirectional=True)');
    m.dispose();
  });

  it('rejects bad arguments and inputs with messages that name them', async () => {
    await withBackend('cpu');
    expect(() => new nn.LSTM(3, 4, { projSize: 2 })).toThrow(/proj_size=2 is not supported/);
    expect(() => new nn.GRU(3, 0)).toThrow(/hidden_size must be a positive integer, got 0/);
    expect(() => new nn.RNN(3, 4, { dropout: 1.5 })).toThrow(/dropout should be a number in range \[0, 1\]/);
    expect(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(/unknown nonlinearity 'sigmoid'/);
    const gru = new nn.GRU(3, 4, { numLayers: 2 });
    expect(() => gru.call(tf.zeros([5, 2, 7]))).toThrow(/GRU: expected .* 3 features .* got shape \[5, 2, 7\]/);
    expect(() => gru.call(tf.zeros([5, 2, 3]), tf.zeros([1, 2, 4]))).toThrow(/GRU: expected hx of shape \[2, 2, 4\], got \[1, 2, 4\]/);
    const lstm = new nn.LSTM(3, 4);
    expect(() => lstm.call(tf.zeros([5, 2, 3]), [tf.zeros([1, 2, 4]), tf.zeros([1, 3, 4])])).toThrow(/expected c_0 of shape \[1, 2, 4\]/);
    gru.dispose();
    lstm.dispose();
  });

  it('applies dropout between layers only in training mode, from the seeded generator', async () => {
    await withBackend('cpu');
    nn.manualSeed(1);
    const m = new nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
    const x = tf.randomUniform([6, 2, 3], -1, 1, 'float32', 3);
    const run = (seed: number) => {
      nn.manualSeed(seed);
      const [out] = m.call(x);
      const v = Array.from(out.dataSync());
      out.dispose();
      return v;
    };
    m.eval();
    const evalOut = run(5);
    expect(run(6)).toEqual(evalOut);
    m.train();
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(a).not.toEqual(evalOut);
    expect(run(6)).not.toEqual(a);
    x.dispose();
    m.dispose();
  });

  it('leaks no tensors over forward + backward (GRU, LSTM with states)', async () => {
    await withBackend('wasm');
    const lstm = new nn.LSTM(3, 4, { bidirectional: true, batchFirst: true });
    const gru = new nn.GRU(3, 4, { numLayers: 2 });
    const x = tf.randomUniform([2, 5, 3]);
    const h0 = tf.zeros([2, 2, 4]);
    const step = () => {
      const loss = backward(() => {
        const [out, [h, c]] = lstm.call(x, [h0, h0]);
        const [out2] = gru.call(tf.transpose(x, [1, 0, 2]));
        return tf.addN([tf.sum(out), tf.sum(h), tf.sum(c), tf.sum(out2)]) as tf.Scalar;
      }, [...lstm.parameters(), ...gru.parameters()]);
      loss.dispose();
      lstm.zeroGrad();
      gru.zeroGrad();
    };
    step();
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, h0]);
    lstm.dispose();
    gru.dispose();
  });
});

describe('ConvTranspose2d, Upsample, PixelShuffle', () => {
  it("ConvTranspose2d's output_size picks the output padding, and rejects sizes out of range", async () => {
    await withBackend('cpu');
    const m = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = tf.ones([1, 2, 4, 5]);
    expect(m.call(x).shape).toEqual([1, 3, 7, 9]);
    expect(m.call(x, [8, 10]).shape).toEqual([1, 3, 8, 10]);
    expect(() => m.call(x, [9, 10])).toThrow(/valid sizes range from 7 to 8/);
    expect(() => new nn.ConvTranspose2d(2, 3, 3, { stride: 2, outputPadding: 2 })).toThrow(/output_padding .* must be smaller than either stride/);
    x.dispose();
    m.dispose();
  });

  it('F.interpolate and the pixel shuffles reject what PyTorch rejects', async () => {
    await withBackend('cpu');
    const x = tf.zeros([1, 4, 2, 2]);
    expect(() => F.interpolate(x, { size: 3, scaleFactor: 2 })).toThrow(/exactly one of size and scale_factor/);
    expect(() => F.interpolate(x, { size: 3, alignCorners: true })).toThrow(/align_corners option can only be set/);
    expect(() => F.interpolate(x, { size: 3, mode: 'linear' })).toThrow(/'linear' needs a 3-D input/);
    expect(() => F.interpolate(x, { size: 3, mode: 'bicubic' as 'bilinear' })).toThrow(/mode 'bicubic' is not supported/);
    expect(() => F.pixel_shuffle(tf.zeros([1, 3, 2, 2]), 2)).toThrow(/channels \(3\) must be divisible by upscale_factor squared \(4\)/);
    expect(() => F.pixel_unshuffle(x, 3)).toThrow(/must be divisible by downscale_factor \(3\)/);
    // pixel_unshuffle undoes pixel_shuffle
    const y = tf.reshape(tf.range(0, 32), [1, 8, 2, 2]);
    expect(Array.from(F.pixel_unshuffle(F.pixel_shuffle(y, 2), 2).dataSync())).toEqual(Array.from(y.dataSync()));
    tf.dispose([x, y]);
  });
});
