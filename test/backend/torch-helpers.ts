/** Shared by the torch backend tests: whether the addon is built, the one-line skip, zoo training steps. */
import * as tf from '@tensorflow/tfjs-core';
import { probeBackends } from '../../src/backend/index.js';
import { getZooModel } from '../../src/models/index.js';
import { manualSeed } from '../../src/nn/index.js';
import { backward } from '../../src/train/backward.js';
import { Adam, SGD } from '../../src/train/optim/index.js';
import { CrossEntropyLoss, MSELoss, BCEWithLogitsLoss } from '../../src/nn/loss/index.js';
import { Rng } from '../../src/util/rng.js';

const status = (await probeBackends()).find((s) => s.name === 'torch');
/** True when `npm run setup:torch` built the addon and it loads. */
export const torchAvailable = status?.available === true;
/** A describe title that says what runs, or why it is skipped and the fix. */
export function torchTitle(subject: string): string {
  return torchAvailable ? `${subject} (${status?.detail})` : `${subject} SKIPPED: ${status?.reason}; run npm run setup:torch`;
}
if (!torchAvailable) console.warn(torchTitle('torch backend tests'));

/** A zoo model with an optimizer and a fixed batch: `step()` runs one training step and returns the loss. */
export interface ZooTrainer {
  step(): number;
  weights(): Float32Array[];
  dispose(): void;
}

/**
 * Builds zoo model `name` from `seed` with Adam (or SGD with momentum) and CrossEntropyLoss on a seeded batch.
 * @param name - 'mlp' or 'cnn' (MNIST-shaped input)
 * @param seed - init and data seed
 * @param optimizer - 'adam' or 'sgd'
 */
export function zooTrainer(name: string, seed: number, optimizer: 'adam' | 'sgd' = 'adam', batch = 16): ZooTrainer {
  const zoo = getZooModel(name);
  manualSeed(seed);
  const model = zoo.create(zoo.resolveConfig({}, { sampleShape: [1, 28, 28], numClasses: 10 }));
  const params = model.parameters();
  const opt = optimizer === 'adam' ? new Adam(params, { lr: 1e-3 }) : new SGD(params, { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
  const loss = new CrossEntropyLoss();
  const values = new Float32Array(batch * 784);
  new Rng(seed).fillUniform(values, -1, 1);
  const x = tf.tensor(values, [batch, 1, 28, 28]);
  const y = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10), 'int32');
  model.train();
  return {
    step() {
      model.zeroGrad();
      const value = backward(() => loss.call(model.call(x), y) as tf.Scalar, params);
      opt.step();
      const v = value.dataSync()[0]!;
      value.dispose();
      return v;
    },
    weights: () => params.map((p) => Float32Array.from(p.variable.dataSync())),
    dispose() {
      model.zeroGrad();
      model.dispose();
      opt.disposeState();
      x.dispose();
      y.dispose();
    },
  };
}

/** One forward/backward of each other loss (MSE, BCEWithLogits) on small tensors; returns nothing (kernels only). */
export function otherLosses(): void {
  tf.tidy(() => {
    const a = tf.variable(tf.tensor2d([[0.3, -1.2, 2], [0.5, 0.1, -0.7]]));
    const t = tf.tensor2d([[1, 0, 1], [0, 1, 0]]);
    tf.variableGrads(() => tf.add(new MSELoss().call(a, t), new BCEWithLogitsLoss().call(a, t)) as tf.Scalar, [a]);
    a.dispose();
  });
}
