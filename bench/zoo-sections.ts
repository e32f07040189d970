/** Bench sections for zoo models: Adam training steps (CrossEntropyLoss) and eval-mode inference, batch 64. */
import * as tf from '@tensorflow/tfjs-core';
import { getZooModel } from '../dist/models/index.js';
import { manualSeed } from '../dist/nn/generator.js';
import { Adam } from '../dist/train/optim/adam.js';
import { CrossEntropyLoss } from '../dist/nn/loss/index.js';
import { backward } from '../dist/train/backward.js';
import { Rng } from '../dist/util/rng.js';
import { measureSteps, median, registerBenchSection, type BenchSection, type MeasureOptions, type Throughput } from './section.js';
import type { Module } from '../dist/nn/module.js';
import { FunctionalCNN, sequentialCNN } from './ordinary-cnn.js';
import { registerGPTSection } from './gpt-section.js';

/** One Adam training step of `model` on (x, y) with CrossEntropyLoss, and the disposal of its optimizer state. */
function trainStep(model: Module, x: tf.Tensor, y: tf.Tensor): { step: () => void; dispose: () => void } {
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const loss = new CrossEntropyLoss();
  return {
    step: () => {
      model.zeroGrad();
      const value = backward(() => loss.call(model.call(x), y) as tf.Scalar, model.parameters());
      optimizer.step();
      value.dataSync();
      value.dispose();
    },
    dispose: () => {
      model.zeroGrad();
      optimizer.disposeState();
    },
  };
}

/**
 * Training throughput of `make()` and of the zoo CNN, measured in alternating repeats in the same process (so
 * load changes on a shared machine hit both alike), plus `make()`'s inference throughput. Modes: train,
 * train-zoo-cnn, infer.
 * @param make - builds the model (the zoo CNN's architecture written another way)
 * @param options - measurement settings
 */
export async function measureAgainstZooCnn(make: () => Module, options: MeasureOptions): Promise<Throughput> {
  const sampleShape = [1, 28, 28];
  const zoo = getZooModel('cnn');
  manualSeed(1);
  const zooModel = zoo.create(zoo.resolveConfig({}, { sampleShape, numClasses: 10 }));
  manualSeed(1);
  const model = make();
  const batch = options.batchSize;
  const values = new Float32Array(batch * 28 * 28);
  new Rng(1).fillUniform(values, -1, 1);
  const x = tf.tensor(values, [batch, ...sampleShape]);
  const y = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const ours = trainStep(model, x, y);
  const theirs = trainStep(zooModel, x, y);
  try {
    model.train();
    zooModel.train();
    const ourRates: number[] = [];
    const zooRates: number[] = [];
    for (let r = 0; r < options.repeats; r++) {
      const once = { ...options, repeats: 1, warmup: r === 0 ? options.warmup : 0 };
      zooRates.push(await measureSteps(theirs.step, once));
      ourRates.push(await measureSteps(ours.step, once));
    }
    model.eval();
    const infer = await measureSteps(() => {
      const out = model.call(x);
      out.dataSync();
      out.dispose();
    }, options);
    return { train: median(ourRates), 'train-zoo-cnn': median(zooRates), infer };
  } finally {
    ours.dispose();
    theirs.dispose();
    model.dispose();
    zooModel.dispose();
    x.dispose();
    y.dispose();
  }
}

/**
 * Training and inference throughput of zoo model `name` built for `sampleShape` and `numClasses`.
 * @param name - zoo model name
 * @param sampleShape - one sample's shape
 * @param numClasses - classes
 * @param options - measurement settings (batch size included)
 * @param config - overrides of the model's default config (e.g. `{ hidden: [1024, 1024] }`)
 */
export async function measureZooModel(
  name: string,
  sampleShape: number[],
  numClasses: number,
  options: MeasureOptions,
  config: Record<string, unknown> = {},
): Promise<Throughput> {
  const zoo = getZooModel(name);
  manualSeed(1);
  const model = zoo.create(zoo.resolveConfig(config, { sampleShape, numClasses }));
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const loss = new CrossEntropyLoss();
  const batch = options.batchSize;
  const values = new Float32Array(batch * sampleShape.reduce((a, b) => a * b, 1));
  new Rng(1).fillUniform(values, -1, 1);
  const x = tf.tensor(values, [batch, ...sampleShape]);
  const y = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % numClasses), 'int32');
  try {
    model.train();
    const train = await measureSteps(() => {
      model.zeroGrad();
      const value = backward(() => loss.call(model.call(x), y) as tf.Scalar, model.parameters());
      optimizer.step();
      value.dataSync();
      value.dispose();
    }, options);
    model.eval();
    const infer = await measureSteps(() => {
      const out = model.call(x);
      out.dataSync();
      out.dispose();
    }, options);
    return { train, infer };
  } finally {
    model.zeroGrad();
    model.dispose();
    optimizer.disposeState();
    x.dispose();
    y.dispose();
  }
}

interface ZooSectionSpec {
  /** Section name (default: the zoo model's name). */
  section?: string;
  /** Zoo model name. */
  model: string;
  description: string;
  torch: { module: string; cls: string; kwargs: Record<string, unknown> };
  /** Overrides of the zoo model's default config, the same as torch.kwargs. */
  config?: Record<string, unknown>;
  batchSize?: number;
  skipByDefault?: BenchSection['skipByDefault'];
}

function zooSection(spec: ZooSectionSpec): BenchSection {
  const sampleShape = [1, 28, 28];
  return {
    name: spec.section ?? spec.model,
    description: spec.description,
    batchSize: spec.batchSize,
    skipByDefault: spec.skipByDefault,
    torch: { ...spec.torch, sampleShape, numClasses: 10 },
    measure: (_backend, options) => measureZooModel(spec.model, sampleShape, 10, options, spec.config),
  };
}

export function registerZooSections(): void {
  registerBenchSection(zooSection({ model: 'mlp', description: 'MLP 784-256-128-10 on 1x28x28', torch: { module: 'mlp', cls: 'MLP', kwargs: {} } }));
  registerBenchSection(
    zooSection({
      model: 'cnn',
      description: 'CNN 3x(conv3x3+ReLU+maxpool2) 16-32-64 + Linear on 1x28x28',
      torch: { module: 'cnn', cls: 'CNN', kwargs: {} },
      skipByDefault: {
        cpu: "tfjs's cpu backend runs convolution gradients as plain JS loops (tens of seconds per step); pass backends: ['cpu'] (--backends cpu) to measure it",
      },
    }),
  );
  // The zoo CNN written the ordinary ways (issue 14): the framework's fast path must serve them as it serves the zoo.
  const cpuSkip = { cpu: "tfjs's cpu backend runs convolution gradients as plain JS loops; pass --backend cpu to measure it" };
  const cnnTorch = { module: 'cnn', cls: 'CNN', kwargs: {}, sampleShape: [1, 28, 28], numClasses: 10 };
  registerBenchSection({
    name: 'cnn-sequential',
    description: 'the cnn as one Sequential(Conv2d, ReLU, MaxPool2d, ..., Flatten, Linear); train-zoo-cnn: the zoo cnn, alternating repeats',
    skipByDefault: cpuSkip,
    torch: cnnTorch,
    measure: (_backend, options) => measureAgainstZooCnn(sequentialCNN, options),
  });
  registerBenchSection({
    name: 'cnn-functional',
    description: 'the cnn with a forward calling F.relu and F.max_pool2d; train-zoo-cnn: the zoo cnn, alternating repeats',
    skipByDefault: cpuSkip,
    torch: cnnTorch,
    measure: (_backend, options) => measureAgainstZooCnn(() => new FunctionalCNN(), options),
  });
  // Matmul-bound (about 2.4 GFLOP per training step): compares the backends' GEMMs more than their per-op costs.
  registerBenchSection(
    zooSection({
      section: 'mlp-large',
      model: 'mlp',
      description: 'MLP 784-1024-1024-10 on 1x28x28, batch 256',
      torch: { module: 'mlp', cls: 'MLP', kwargs: { hidden: [1024, 1024] } },
      config: { hidden: [1024, 1024] },
      batchSize: 256,
      skipByDefault: { cpu: "tfjs's cpu backend takes seconds per step on this model; pass --backend cpu to measure it" },
    }),
  );
  registerGPTSection();
}
