/** One forward + gradient run of every src/nn module, reusable on any backend (kernel coverage, leak checks). */
import * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/nn/functional/layers.js';
import { MLP } from '../../src/models/mlp/index.js';
import { Rng } from '../../src/util/rng.js';
import { randomHost } from './helpers.js';

export interface ModuleCase {
  name: string;
  input: number[];
  make: () => nn.Module;
  /** Run in eval mode (default: training mode). */
  eval?: boolean;
}

/** A non-trainable variable holding `t` (which is freed). */
function buffer(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t, false);
  t.dispose();
  return v;
}

/** Every layout-bearing F op in one forward (F.conv2d, F.batch_norm, F.relu, F.max_pool2d, F.avg_pool2d, ...). */
class FunctionalNet extends nn.Module {
  conv = new nn.Conv2d(2, 4, 3, { padding: 1 });
  bnWeight = new nn.Parameter(tf.tensor1d([1.5, 0.5, -1, 2]));
  runningMean = buffer(tf.zeros([4]));
  runningVar = buffer(tf.ones([4]));
  fc = new nn.Linear(4 * 2 * 2, 3);

  forward(x: tf.Tensor): tf.Tensor {
    let h = F.conv2d(x, this.conv.weight.variable, this.conv.bias!.variable, { padding: 1 });
    h = F.batch_norm(h, this.runningMean, this.runningVar, { weight: this.bnWeight.variable, training: this.training });
    h = F.max_pool2d(F.relu(h), 2);
    h = F.avg_pool2d(h, 3, { stride: 1, padding: 1, countIncludePad: false });
    h = F.adaptive_avg_pool2d(h, 2);
    return F.linear(tf.reshape(h, [h.shape[0]!, -1]), this.fc.weight.variable, this.fc.bias!.variable);
  }

  override dispose(): void {
    super.dispose();
    this.runningMean.dispose();
    this.runningVar.dispose();
  }
}

export const MODULE_CASES: ModuleCase[] = [
  { name: 'Conv2d stride 2, padding 1, dilation 2, groups 2', input: [2, 4, 9, 10], make: () => new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, dilation: 2, groups: 2 }) },
  { name: "Conv2d 3x2 padding 'same'", input: [2, 3, 7, 8], make: () => new nn.Conv2d(3, 5, [3, 2], { padding: 'same' }) },
  { name: 'Conv2d stride (2,1) padding (1,0) no bias', input: [3, 3, 8, 7], make: () => new nn.Conv2d(3, 4, 3, { stride: [2, 1], padding: [1, 0], bias: false }) },
  { name: 'Conv2d depthwise x2 stride 2', input: [2, 4, 9, 8], make: () => new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1, groups: 4 }) },
  { name: "Conv2d 4x4 dilation 2 'same'", input: [2, 2, 9, 9], make: () => new nn.Conv2d(2, 3, 4, { padding: 'same', dilation: 2 }) },
  { name: 'MaxPool2d(2)', input: [2, 3, 8, 9], make: () => new nn.MaxPool2d(2) },
  { name: 'MaxPool2d(3, 2, 1, ceil_mode)', input: [2, 3, 8, 9], make: () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }) },
  { name: 'AvgPool2d(2)', input: [2, 3, 8, 9], make: () => new nn.AvgPool2d(2) },
  { name: 'AvgPool2d(3, 2, 1, ceil_mode, count_include_pad=False)', input: [2, 3, 8, 9], make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }) },
  { name: 'AvgPool2d(3, 2, 1)', input: [2, 3, 8, 9], make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1 }) },
  { name: 'AdaptiveAvgPool2d((3, 4))', input: [2, 3, 7, 9], make: () => new nn.AdaptiveAvgPool2d([3, 4]) },
  { name: 'AdaptiveAvgPool2d(1)', input: [2, 3, 5, 6], make: () => new nn.AdaptiveAvgPool2d(1) },
  { name: 'BatchNorm2d train', input: [4, 3, 5, 6], make: () => new nn.BatchNorm2d(3) },
  { name: 'BatchNorm2d momentum=None', input: [4, 3, 5, 6], make: () => new nn.BatchNorm2d(3, { momentum: null }) },
  { name: 'BatchNorm2d eval', input: [4, 3, 5, 6], make: () => new nn.BatchNorm2d(3), eval: true },
  { name: 'Dropout2d(0.3)', input: [4, 5, 3, 3], make: () => new nn.Dropout2d(0.3) },
  { name: 'Dropout(0.3)', input: [4, 5, 3, 3], make: () => new nn.Dropout(0.3) },
  { name: 'LeakyReLU(0.2)', input: [2, 3, 4, 5], make: () => new nn.LeakyReLU(0.2) },
  { name: "GELU('none')", input: [2, 3, 4, 5], make: () => new nn.GELU() },
  { name: "GELU('tanh')", input: [2, 3, 4, 5], make: () => new nn.GELU('tanh') },
  { name: 'Softmax(1)', input: [2, 3, 4, 5], make: () => new nn.Softmax(1) },
  { name: 'LogSoftmax(1)', input: [2, 3, 4, 5], make: () => new nn.LogSoftmax(1) },
  { name: 'LogSoftmax(-1)', input: [2, 7], make: () => new nn.LogSoftmax(-1) },
  { name: 'ReLU', input: [2, 3, 4, 5], make: () => new nn.ReLU() },
  { name: 'Sigmoid', input: [2, 3, 4, 5], make: () => new nn.Sigmoid() },
  { name: 'Tanh', input: [2, 3, 4, 5], make: () => new nn.Tanh() },
  { name: 'Linear', input: [3, 5, 6], make: () => new nn.Linear(6, 4) },
  { name: 'Linear on [8, 24] (wasm: SIMD _FusedMatMul, bias in the GEMM)', input: [8, 24], make: () => new nn.Linear(24, 16) },
  { name: 'Linear without bias', input: [4, 6], make: () => new nn.Linear(6, 8, { bias: false }) },
  { name: 'Flatten', input: [2, 3, 4, 5], make: () => new nn.Flatten() },
  // Training mode fuses Linear + ReLU (wasm: one _FusedMatMul each); batch 8 runs the SIMD GEMM, 6 the fallback.
  { name: 'zoo MLP 12-16-8-5 batch 8 (Linear + ReLU fused)', input: [8, 12], make: () => new MLP({ inFeatures: 12, hidden: [16, 8], numClasses: 5, dropout: 0 }) },
  { name: 'zoo MLP 12-16-8-5 batch 6 (Linear + ReLU fused)', input: [6, 12], make: () => new MLP({ inFeatures: 12, hidden: [16, 8], numClasses: 5, dropout: 0 }) },
  {
    name: 'Sequential(Conv2d, BatchNorm2d, ReLU, MaxPool2d, Flatten, Linear)',
    input: [3, 2, 8, 8],
    make: () => new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(64, 5)),
  },
  {
    // Sequential's fast path: a channels-last run with Conv2d + ReLU fused, BatchNorm2d, AvgPool2d, Dropout2d and
    // GELU on NHWC, then Linear + ReLU fused.
    name: 'Sequential fast path (Conv2d+ReLU, MaxPool2d, Conv2d, BatchNorm2d, GELU, AvgPool2d, Dropout2d, Flatten, Linear+ReLU, Linear)',
    input: [4, 2, 8, 8],
    make: () =>
      new nn.Sequential(
        new nn.Conv2d(2, 4, 3, { padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Conv2d(4, 8, 3, { padding: 1, bias: false }),
        new nn.BatchNorm2d(8),
        new nn.GELU(),
        new nn.AvgPool2d(2),
        new nn.Dropout2d(0.25),
        new nn.Flatten(),
        new nn.Linear(32, 8),
        new nn.ReLU(),
        new nn.Linear(8, 3),
      ),
  },
  { name: 'F.conv2d, F.batch_norm, F.relu, F.max_pool2d, F.avg_pool2d, F.adaptive_avg_pool2d, F.linear', input: [3, 2, 8, 8], make: () => new FunctionalNet() },
  // Sequence models (issue 16): LayerNorm's fused kernels, attention's batched GEMM and Softmax's gradient kernel.
  { name: 'LayerNorm(32)', input: [4, 6, 32], make: () => new nn.LayerNorm(32) },
  { name: 'LayerNorm([3,5]) (composed: two axes)', input: [4, 3, 5], make: () => new nn.LayerNorm([3, 5]) },
  { name: 'RMSNorm(16)', input: [4, 6, 16], make: () => new nn.RMSNorm(16) },
  { name: 'TransformerEncoderLayer(16,2,32) norm_first, eval', input: [8, 3, 16], make: () => new nn.TransformerEncoderLayer(16, 2, { dimFeedforward: 32, normFirst: true }), eval: true },
];

/**
 * Builds the module from seed 7, runs forward on a seeded random input and the gradient of sum(y * cotangent)
 * with respect to the input and every parameter; returns [output, dInput, ...dParams, ...buffers] as tensors.
 */
export function runModuleCase(c: ModuleCase): tf.Tensor[] {
  nn.manualSeed(7);
  const module = c.make();
  if (c.eval) module.eval();
  const initial = tf.tensor(randomHost(new Rng(1), c.input), c.input);
  const x = tf.variable(initial, true);
  initial.dispose();
  const params = module.parameters().map((p) => p.variable);
  let y: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    y = tf.keep(module.call(x));
    const cotangent = tf.tensor(randomHost(new Rng(2), y.shape), y.shape);
    return tf.sum(tf.mul(y, cotangent)) as tf.Scalar;
  }, [x, ...params]);
  const outputs = [y!.clone(), grads[x.name]!, ...params.map((p) => grads[p.name]!)];
  const buffers = module.namedBuffers().map(([, b]) => tf.cast(b.value, 'float32'));
  tf.dispose([y!, value]);
  x.dispose();
  module.dispose();
  return [...outputs, ...buffers];
}
