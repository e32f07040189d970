/** Evaluation of a model on a dataset in eval mode: mean loss, accuracy and the predicted class per sample. */
import * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module.js';
import type { ArrayDataset } from '../data/dataset.js';
import { epochBatches } from '../data/loader.js';
import type { Normalization } from '../util/model-card.js';
import type { HeadLoss } from './head-loss.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  labels: Int32Array;
}

export function evaluate(model: Module, ds: ArrayDataset, loss: HeadLoss, options: { batchSize?: number; normalization?: Normalization } = {}): Evaluation {
  const wasTraining = model.training;
  model.eval();
  const predictions = new Int32Array(ds.y.length);
  let lossSum = 0;
  let offset = 0;
  try {
    for (const batch of epochBatches(ds, 0, { batchSize: options.batchSize ?? 500, shuffle: false, seed: 0, normalization: options.normalization })) {
      const [batchLoss, predicted] = tf.tidy(() => {
        const x = tf.tensor(batch.x, batch.shape, 'float32');
        const y = tf.tensor1d(batch.y, 'int32');
        const out = model.call(x);
        return [loss.lossSum(out, y).dataSync()[0]!, loss.predict(out).dataSync() as Int32Array] as const;
      });
      lossSum += batchLoss;
      predictions.set(predicted, offset);
      offset += batch.y.length;
    }
  } finally {
    model.train(wasTraining);
  }
  let correct = 0;
  for (let i = 0; i < ds.y.length; i++) if (predictions[i] === ds.y[i]) correct++;
  return { loss: lossSum / ds.y.length, accuracy: correct / ds.y.length, predictions, labels: ds.y };
}
