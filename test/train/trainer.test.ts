/** The training loop: no tensor leaks across epochs, bit-identical results from the same seed, NaN stops with the step. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '../../src/nn/generator.js';
import { MLP } from '../../src/models/mlp/model.js';
import { Adam } from '../../src/train/optim/adam.js';
import { Trainer, type EpochMetrics } from '../../src/train/trainer.js';
import { smallMnistSplit } from '../helpers/mnist-subset.js';
import { MNIST_NORMALIZATION } from '../../src/data/mnist.js';
import { withBackend } from '../helpers/backend.js';

const { train, val } = smallMnistSplit(1200, 200);

function run(seed: number, epochs: number, extra: Partial<ConstructorParameters<typeof Trainer>[0]> = {}) {
  manualSeed(seed);
  const model = new MLP({ inFeatures: 784, hidden: [32, 16], numClasses: 10, dropout: 0.1 });
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const counts: number[] = [];
  const trainer = new Trainer({
    model,
    head: 'softmax',
    optimizer,
    train,
    val,
    epochs,
    batchSize: 64,
    seed,
    normalization: MNIST_NORMALIZATION,
    callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
    ...extra,
  });
  return { trainer, model, optimizer, counts };
}

beforeAll(async () => {
  await withBackend('wasm');
});

describe('Trainer', () => {
  it('keeps tf.memory().numTensors flat across epochs and learns', async () => {
    const { trainer, model, optimizer, counts } = run(1, 4);
    const before = tf.memory().numTensors;
    const history = await trainer.fit();
    expect(new Set(counts.slice(1)).size).toBe(1); // epoch 1 creates the optimizer state
    expect(history[3]!.train_loss).toBeLessThan(history[0]!.train_loss);
    model.dispose();
    optimizer.disposeState();
    expect(tf.memory().numTensors).toBe(before - model.parameters().length);
  });

  it('gives bit-identical losses and weights for the same seed, different ones for another seed', async () => {
    const fit = async (seed: number) => {
      const { trainer, model, optimizer } = run(seed, 2);
      const h: EpochMetrics[] = await trainer.fit();
      const w = Array.from(model.stateDict().get('net.7.weight')!.data as Float32Array); // Flatten, (Linear, ReLU, Dropout) x2, Linear
      model.dispose();
      optimizer.disposeState();
      return { losses: h.map((m) => [m.train_loss, m.val_loss]), w };
    };
    const a = await fit(3);
    const b = await fit(3);
    const c = await fit(4);
    expect(b.losses).toEqual(a.losses);
    expect(b.w).toEqual(a.w);
    expect(c.losses).not.toEqual(a.losses);
  });

  it('stops with a message naming the step when the loss becomes NaN', async () => {
    const poisoned = { ...train, x: Float32Array.from(train.x) };
    poisoned.x.fill(Number.NaN, 0, 784 * train.y.length);
    const { trainer, model, optimizer } = run(1, 1, { train: poisoned });
    await expect(trainer.fit()).rejects.toThrow(/loss became NaN at step 1 \(epoch 1, batch 1 of/);
    model.dispose();
    optimizer.disposeState();
  });
});
