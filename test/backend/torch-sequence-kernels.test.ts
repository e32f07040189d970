/**
 * The torch backend's fused sequence kernels (src/backend/torch/kernels-sequence.ts) against the cpu backend's
 * composition of tfjs ops, forward and every gradient: TwinmlLayerNorm(+Backward) with and without weight and bias
 * (and without gradients, the inference path), TwinmlSoftmaxBackward, TwinmlGelu(+Grad) in both approximations,
 * TwinmlScaledDotProductAttention(+Grad) causal, non-causal with L ≠ S and an explicit scale. Each case also checks
 * that the fused kernel ran on torch (and that masks and dropout fall back to the composition), and that nothing
 * leaks (tfjs tensors and the addon's native table). Skipped with one line without the addon.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import type { TorchBackend } from '../../src/backend/torch/backend.js';
import * as F from '../../src/nn/functional/index.js';
import { fusedAttention } from '../../src/backend/fused-attention.js';
import { Rng } from '../../src/util/rng.js';
import { kernelsRunBy, randomHost, relativeError } from './helpers.js';
import { torchAvailable, torchTitle } from './torch-helpers.js';
import { leaksNothing, matchesCpu, valueAndGrads } from './torch-kernel-checks.js';

const suite = torchAvailable ? describe : describe.skip;

suite(torchTitle('torch fused sequence kernels'), () => {
  it('LayerNorm (weight and bias, weight only, bias only, neither) matches cpu, forward and gradients', async () => {
    const d = 24;
    const variants: Array<[string, boolean, boolean]> = [['affine', true, true], ['weight only', true, false], ['bias only', false, true], ['neither', false, false]];
    for (const [name, w, b] of variants) {
      const shapes = [[3, 5, d], ...(w ? [[d]] : []), ...(b ? [[d]] : [])];
      const f = (x: tf.Tensor, ...rest: tf.Tensor[]) => F.layer_norm(tf.mul(x, 3), d, w ? rest[0]! : null, b ? rest[w ? 1 : 0]! : null, 1e-5);
      await matchesCpu(`LayerNorm ${name}`, valueAndGrads(shapes, 11, f as (...xs: tf.Tensor[]) => tf.Tensor), ['TwinmlLayerNorm', 'TwinmlLayerNormBackward']);
    }
  });

  it('LayerNorm without gradients (inference) runs the fused kernel, matches cpu and leaks nothing', async () => {
    const rng = new Rng(4);
    const [x, w, b] = [randomHost(rng, [2, 7, 16]), randomHost(rng, [16]), randomHost(rng, [16])];
    const run = () => [F.layer_norm(tf.tensor(x, [2, 7, 16]), 16, tf.tensor(w), tf.tensor(b))];
    await matchesCpu('LayerNorm inference', run, ['TwinmlLayerNorm']);
    await leaksNothing(() => tf.tidy(() => {
      run();
    }));
  });

  it('GELU (erf and tanh) matches cpu, forward and gradient', async () => {
    for (const approximate of ['none', 'tanh'] as const) {
      const f = (x: tf.Tensor) => F.gelu(tf.mul(x, 4), { approximate });
      await matchesCpu(`GELU ${approximate}`, valueAndGrads([[4, 9, 33]], 5, f as (...xs: tf.Tensor[]) => tf.Tensor), ['TwinmlGelu', 'TwinmlGeluGrad']);
    }
  });

  it("Softmax's gradient (TwinmlSoftmaxBackward) matches cpu", async () => {
    const f = (x: tf.Tensor) => tf.softmax(tf.mul(x, 5));
    await matchesCpu('softmax', valueAndGrads([[6, 4, 19]], 9, f as (...xs: tf.Tensor[]) => tf.Tensor), ['TwinmlSoftmaxBackward']);
  });

  it('scaled_dot_product_attention (causal, L ≠ S, explicit scale) matches cpu, output and q/k/v gradients', async () => {
    const cases: Array<[string, number, number, number, boolean, number | null]> = [
      ['causal 64x64 E32', 64, 64, 32, true, null],
      ['causal 7x7 E5', 7, 7, 5, true, null],
      ['non-causal L 9, S 13', 9, 13, 8, false, null],
      ['scale 0.3', 11, 11, 16, true, 0.3],
    ];
    for (const [name, l, s, e, isCausal, scale] of cases) {
      const f = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => F.scaled_dot_product_attention(tf.mul(q, 2), tf.mul(k, 2), v, { isCausal, scale });
      await matchesCpu(`SDPA ${name}`, valueAndGrads([[2, 3, l, e], [2, 3, s, e], [2, 3, s, e]], 21, f as (...xs: tf.Tensor[]) => tf.Tensor), ['TwinmlScaledDotProductAttention', 'TwinmlScaledDotProductAttentionGrad']);
    }
  });

  it('attention with a mask or dropout composes (the fused kernel expresses neither)', async () => {
    await useBackend('torch');
    tf.tidy(() => {
      const q = tf.randomNormal([1, 2, 5, 4]);
      const mask = tf.randomNormal([5, 5]);
      const masked = kernelsRunBy(() => F.scaled_dot_product_attention(q, q, q, { attnMask: mask }));
      expect(masked.has('TwinmlScaledDotProductAttention')).toBe(false);
      expect(masked.has('BatchMatMul')).toBe(true);
      const dropped = kernelsRunBy(() => F.scaled_dot_product_attention(q, q, q, { dropoutP: 0.5 }));
      expect(dropped.has('TwinmlScaledDotProductAttention')).toBe(false);
      const rank3 = kernelsRunBy(() => F.scaled_dot_product_attention(tf.randomNormal([2, 5, 4]), tf.randomNormal([2, 5, 4]), tf.randomNormal([2, 5, 4])));
      expect(rank3.has('TwinmlScaledDotProductAttention')).toBe(false);
    });
  });

  it('leaks nothing over forward and backward, and forward alone, of LayerNorm, GELU and attention', async () => {
    const x = tf.randomNormal([2, 4, 8, 16]);
    const w = tf.ones([16]);
    const step = () =>
      tf.tidy(() => {
        const g = tf.grads((a: tf.Tensor, weight: tf.Tensor) => tf.sum(F.scaled_dot_product_attention(F.gelu(F.layer_norm(a, 16, weight, null)), a, a, { isCausal: true })))([x, w]);
        g.forEach((t) => t.dataSync());
      });
    await leaksNothing(step);
    // Without gradients (inference): the kernels' saved tensors and attention's logsumexp are not kept.
    // Outside a tidy: each call returns its output alone.
    await leaksNothing(() => {
      for (const y of [F.layer_norm(x, 16, w, null), F.gelu(x), fusedAttention(x, x, x, true, null)!]) {
        y.dataSync();
        y.dispose();
      }
    });
    tf.dispose([x, w]);
  });
});
