/** A NaN in the data stops training with a message naming the step (computed from the seeded epoch order). */
import { beforeAll, describe, expect, it } from 'vitest';
import { withBackend } from '../helpers/backend.js';
import { Trainer } from '../../src/train/trainer.js';
import { Linear } from '../../src/nn/linear.js';
import { SGD } from '../../src/train/optim/sgd.js';
import { epochOrder } from '../../src/data/loader.js';
import type { ArrayDataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/util/rng.js';

beforeAll(async () => {
  await withBackend('cpu');
});

describe('non-finite loss', () => {
  it('stops at the step whose batch holds the NaN sample and leaves the weights untouched by it', async () => {
    const n = 40;
    const rng = new Rng(1);
    const x = new Float32Array(n * 3).map(() => rng.normal());
    const bad = 29;
    x[bad * 3 + 1] = NaN;
    const ds: ArrayDataset = { x, y: Int32Array.from({ length: n }, (_, i) => i % 2), sampleShape: [3], classes: ['a', 'b'], source: 'test' };
    const model = new Linear(3, 2);
    const trainer = new Trainer({ model, head: 'softmax', optimizer: new SGD(model.parameters(), { lr: 0.1 }), train: ds, val: ds, epochs: 3, batchSize: 8, seed: 4 });
    // Where the NaN sample lands in epoch 1's seeded order decides the failing batch.
    const expectedStep = Math.floor(Array.from(epochOrder(n, 4, 1, true)).indexOf(bad) / 8) + 1;
    await expect(trainer.fit()).rejects.toThrow(`the loss became NaN at step ${expectedStep} (epoch 1, batch ${expectedStep} of 5)`);
    expect(trainer.position.step).toBe(expectedStep - 1);
    expect(Array.from(model.weight.variable.dataSync()).every(Number.isFinite)).toBe(true);
  });
});
