/**
 * The torch backend's Linear kernels (TwinmlLinear, TwinmlLinearGrad: src/backend/linear-kernel-names.ts) against
 * the cpu backend's composition (Reshape, matMul, add and tfjs's gradients): F.linear on 2-, 3- and 4-D input with
 * and without bias, output and every gradient; each gradient is computed only when asked for (a first layer's
 * frozen input, a frozen bias); nothing leaks with or without gradients. Skipped with one line without the addon.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import * as F from '../../src/nn/functional/index.js';
import { LINEAR, LINEAR_GRAD } from '../../src/backend/linear-kernel-names.js';
import { Rng } from '../../src/util/rng.js';
import { randomHost } from './helpers.js';
import { torchAvailable, torchTitle } from './torch-helpers.js';
import { leaksNothing, matchesCpu, valueAndGrads } from './torch-kernel-checks.js';

const suite = torchAvailable ? describe : describe.skip;

/** The `part` attribute of every TwinmlLinearGrad call `fn` makes. */
function gradPartsRunBy(fn: () => void): string[] {
  const engine = tf.engine() as unknown as { runKernel: (name: string, inputs: unknown, attrs?: { part?: string }) => unknown };
  const original = engine.runKernel;
  const parts: string[] = [];
  engine.runKernel = function (this: unknown, name, inputs, attrs) {
    if (name === LINEAR_GRAD) parts.push(String(attrs?.part));
    return original.call(this, name, inputs, attrs);
  };
  try {
    fn();
  } finally {
    engine.runKernel = original;
  }
  return parts;
}

suite(torchTitle('torch Linear kernels'), () => {
  it('F.linear on 2-, 3- and 4-D input, with and without bias, matches cpu: output and x, weight, bias gradients', async () => {
    const cases: Array<[string, number[], boolean]> = [
      ['[6, 16] with bias', [6, 16], true],
      ['[3, 5, 16] with bias', [3, 5, 16], true],
      ['[3, 5, 16] without bias', [3, 5, 16], false],
      ['[2, 3, 4, 16] with bias', [2, 3, 4, 16], true],
    ];
    for (const [name, shape, withBias] of cases) {
      const shapes = [shape, [7, 16], ...(withBias ? [[7]] : [])];
      const f = (x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => F.linear(tf.mul(x, 3), w, b ?? null);
      await matchesCpu(`F.linear ${name}`, valueAndGrads(shapes, 31, f as (...xs: tf.Tensor[]) => tf.Tensor), [LINEAR, LINEAR_GRAD]);
    }
  });

  it('computes only the gradients asked for: no dx for a first layer, no dbias for a frozen bias', async () => {
    await useBackend('torch');
    const rng = new Rng(8);
    tf.tidy(() => {
      const x = tf.tensor(randomHost(rng, [4, 3, 10]), [4, 3, 10]);
      const w = tf.tensor(randomHost(rng, [6, 10]), [6, 10]);
      const b = tf.tensor(randomHost(rng, [6]), [6]);
      const loss = (wIn: tf.Tensor, bIn: tf.Tensor) => tf.sum(F.linear(x, wIn, bIn));
      expect(gradPartsRunBy(() => tf.grads(loss)([w, b])).sort()).toEqual(['bias', 'weight']);
      expect(gradPartsRunBy(() => tf.grad((wIn: tf.Tensor) => loss(wIn, b))(w))).toEqual(['weight']);
      expect(gradPartsRunBy(() => tf.grad((xIn: tf.Tensor) => tf.sum(F.linear(xIn, w, b)))(x))).toEqual(['input']);
    });
  });

  it('leaks nothing over forward and backward, and forward alone', async () => {
    const rng = new Rng(9);
    const [x, w, b] = [randomHost(rng, [2, 8, 12]), randomHost(rng, [5, 12]), randomHost(rng, [5])];
    const forward = (xs: tf.Tensor[]) => F.linear(xs[0]!, xs[1]!, xs[2]!);
    const make = () => [tf.tensor(x, [2, 8, 12]), tf.tensor(w, [5, 12]), tf.tensor(b, [5])];
    await leaksNothing(() => tf.tidy(() => {
      const xs = make();
      tf.grads((...ins: tf.Tensor[]) => tf.sum(forward(ins)))(xs);
    }));
    await leaksNothing(() => tf.tidy(() => {
      forward(make());
    }));
  });
});
