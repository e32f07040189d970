/** EarlyStopping: patience, min_delta, and the best epoch's weights restored into the model. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { withBackend } from '../helpers/backend.js';
import { Linear } from '../../src/nn/linear.js';
import { EarlyStopping } from '../../src/train/callbacks/early-stopping.js';

beforeAll(async () => {
  await withBackend('cpu');
});

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without an improvement larger than min_delta and restores the best weights', () => {
    const model = new Linear(2, 2);
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 2, minDelta: 0.01 });
    const losses = [1.0, 0.8, 0.795, 0.85, 0.7];
    const weightsAt: Float32Array[] = [];
    let stoppedAt = -1;
    losses.forEach((loss, i) => {
      if (stoppedAt > 0) return;
      model.weight.assign(tf.fill([2, 2], i + 1)); // "training" changes the weights every epoch
      weightsAt.push(model.weight.variable.dataSync() as Float32Array);
      if (es.update({ val_loss: loss }, i + 1, model)) stoppedAt = i + 1;
    });
    // 0.795 is not better than 0.8 by more than 0.01, 0.85 is worse: stop at epoch 4, best epoch 2.
    expect(stoppedAt).toBe(4);
    expect(es.best).toEqual({ value: 0.8, epoch: 2 });
    expect(Array.from(model.weight.variable.dataSync())).toEqual(Array.from(weightsAt[1]!));
  });

  it('maximises in max mode and names a missing metric', () => {
    const model = new Linear(1, 1);
    const es = new EarlyStopping({ monitor: 'val_accuracy', mode: 'max', patience: 1, restoreBestWeights: false });
    expect(es.update({ val_accuracy: 0.5 }, 1, model)).toBe(false);
    expect(es.update({ val_accuracy: 0.6 }, 2, model)).toBe(false);
    expect(es.update({ val_accuracy: 0.6 }, 3, model)).toBe(true);
    expect(() => es.update({ val_loss: 1 }, 4, model)).toThrow(/no 'val_accuracy'; available: val_loss/);
  });
});
