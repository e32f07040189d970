/**
 * PyTorch's layouts for every module in src/nn: each Parameter's shape, each state_dict entry's shape and each
 * `.grad`'s shape (after a backward pass with a random cotangent) equal what PyTorch builds for the same
 * constructor call (asked from torch itself). The list must name every Module class src/nn exports, so a new
 * module without a case fails here.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import { referencePython } from '../helpers/python.js';
import { backward } from '../../src/train/backward.js';
import { withBackend } from '../helpers/backend.js';

interface ShapeCase {
  /** The Module class this case covers. */
  cls: string;
  /** The PyTorch module (evaluated with `from torch import nn`). */
  torch: string;
  make: () => nn.Module | nn.MultiheadAttention;
  /** Input shape, and whether it is int32 indices (below `high`). */
  input: number[];
  indices?: { high: number };
  /** The forward call for modules with several inputs or outputs (default `m.call(x)`). */
  run?: (m: nn.Module | nn.MultiheadAttention, x: tf.Tensor) => tf.Tensor;
}

const CASES: ShapeCase[] = [
  { cls: 'Linear', torch: 'nn.Linear(784, 256)', make: () => new nn.Linear(784, 256), input: [3, 784] },
  { cls: 'Linear', torch: 'nn.Linear(5, 3, bias=False)', make: () => new nn.Linear(5, 3, { bias: false }), input: [2, 4, 5] },
  { cls: 'Conv2d', torch: 'nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2)', make: () => new nn.Conv2d(4, 6, [3, 2], { stride: 2, padding: 1, groups: 2 }), input: [2, 4, 7, 8] },
  { cls: 'Conv2d', torch: "nn.Conv2d(3, 5, 3, padding='same', dilation=2, bias=False)", make: () => new nn.Conv2d(3, 5, 3, { padding: 'same', dilation: 2, bias: false }), input: [2, 3, 7, 6] },
  { cls: 'BatchNorm2d', torch: 'nn.BatchNorm2d(3)', make: () => new nn.BatchNorm2d(3), input: [4, 3, 5, 4] },
  { cls: 'BatchNorm2d', torch: 'nn.BatchNorm2d(3, affine=False)', make: () => new nn.BatchNorm2d(3, { affine: false }), input: [4, 3, 5, 4] },
  { cls: 'Embedding', torch: 'nn.Embedding(11, 6, padding_idx=2)', make: () => new nn.Embedding(11, 6, { paddingIdx: 2 }), input: [3, 5], indices: { high: 11 } },
  { cls: 'MaxPool2d', torch: 'nn.MaxPool2d(2)', make: () => new nn.MaxPool2d(2), input: [2, 3, 6, 5] },
  { cls: 'AvgPool2d', torch: 'nn.AvgPool2d(3, stride=2, padding=1)', make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1 }), input: [2, 3, 6, 5] },
  { cls: 'AdaptiveAvgPool2d', torch: 'nn.AdaptiveAvgPool2d((2, 3))', make: () => new nn.AdaptiveAvgPool2d([2, 3]), input: [2, 3, 6, 5] },
  { cls: 'ReLU', torch: 'nn.ReLU()', make: () => new nn.ReLU(), input: [2, 5] },
  { cls: 'Sigmoid', torch: 'nn.Sigmoid()', make: () => new nn.Sigmoid(), input: [2, 5] },
  { cls: 'Tanh', torch: 'nn.Tanh()', make: () => new nn.Tanh(), input: [2, 5] },
  { cls: 'LeakyReLU', torch: 'nn.LeakyReLU(0.2)', make: () => new nn.LeakyReLU(0.2), input: [2, 5] },
  { cls: 'GELU', torch: 'nn.GELU()', make: () => new nn.GELU(), input: [2, 5] },
  { cls: 'Softmax', torch: 'nn.Softmax(1)', make: () => new nn.Softmax(1), input: [2, 5] },
  { cls: 'LogSoftmax', torch: 'nn.LogSoftmax(1)', make: () => new nn.LogSoftmax(1), input: [2, 5] },
  { cls: 'Flatten', torch: 'nn.Flatten()', make: () => new nn.Flatten(), input: [2, 3, 4] },
  { cls: 'Dropout', torch: 'nn.Dropout(0.3)', make: () => new nn.Dropout(0.3), input: [2, 5] },
  { cls: 'LayerNorm', torch: 'nn.LayerNorm(6)', make: () => new nn.LayerNorm(6), input: [2, 3, 6] },
  { cls: 'LayerNorm', torch: 'nn.LayerNorm((3, 4), bias=False)', make: () => new nn.LayerNorm([3, 4], { bias: false }), input: [2, 3, 4] },
  { cls: 'LayerNorm', torch: 'nn.LayerNorm(5, elementwise_affine=False)', make: () => new nn.LayerNorm(5, { elementwiseAffine: false }), input: [2, 5] },
  { cls: 'RMSNorm', torch: 'nn.RMSNorm(6)', make: () => new nn.RMSNorm(6), input: [2, 3, 6] },
  {
    cls: 'MultiheadAttention',
    torch: 'nn.MultiheadAttention(8, 2)',
    make: () => new nn.MultiheadAttention(8, 2),
    input: [5, 3, 8],
    run: (m, x) => (m as nn.MultiheadAttention).call(x, x, x)[0]!,
  },
  {
    cls: 'MultiheadAttention',
    torch: 'nn.MultiheadAttention(6, 3, kdim=4, vdim=5, bias=False, batch_first=True)',
    make: () => new nn.MultiheadAttention(6, 3, { kdim: 4, vdim: 5, bias: false, batchFirst: true }),
    input: [2, 5, 6],
    run: (m, x) => (m as nn.MultiheadAttention).call(x, tf.ones([2, 3, 4]), tf.ones([2, 3, 5]))[0]!,
  },
  { cls: 'NonDynamicallyQuantizableLinear', torch: 'nn.modules.linear.NonDynamicallyQuantizableLinear(5, 3)', make: () => new nn.NonDynamicallyQuantizableLinear(5, 3), input: [2, 5] },
  { cls: 'TransformerEncoderLayer', torch: 'nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)', make: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), input: [5, 3, 8] },
  {
    cls: 'TransformerDecoderLayer',
    torch: 'nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, bias=False)',
    make: () => new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, bias: false }),
    input: [5, 3, 8],
    run: (m, x) => (m as nn.TransformerDecoderLayer).call(x, tf.ones([4, 3, 8])),
  },
  {
    cls: 'TransformerEncoder',
    torch: 'nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)',
    make: () => {
      const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
      const encoder = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) });
      layer.dispose();
      return encoder;
    },
    input: [5, 3, 8],
  },
  {
    cls: 'TransformerDecoder',
    torch: 'nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16), 2)',
    make: () => {
      const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
      const decoder = new nn.TransformerDecoder(layer, 2);
      layer.dispose();
      return decoder;
    },
    input: [5, 3, 8],
    run: (m, x) => (m as nn.TransformerDecoder).call(x, tf.ones([4, 3, 8])),
  },
  { cls: 'Dropout2d', torch: 'nn.Dropout2d(0.3)', make: () => new nn.Dropout2d(0.3), input: [2, 3, 4, 4] },
  {
    cls: 'Sequential',
    torch: 'nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 5))',
    make: () => new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(36, 5)),
    input: [3, 1, 6, 6],
  },
];

const PYTHON = `
import json, sys, torch
from torch import nn
out = []
for expr in json.loads(sys.argv[1]):
    m = eval(expr)
    out.append({
        'params': {k: list(p.shape) for k, p in m.named_parameters()},
        'state': {k: list(v.shape) for k, v in m.state_dict().items()},
    })
print(json.dumps(out))
`;

interface TorchShapes {
  params: Record<string, number[]>;
  state: Record<string, number[]>;
}

const PYTHON_WITH_TORCH = referencePython('test/nn/parameter-shapes.test.ts (shapes against PyTorch)');

function torchShapes(python: string): TorchShapes[] {
  const r = spawnSync(python, ['-c', PYTHON, JSON.stringify(CASES.map((c) => c.torch))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as TorchShapes[];
}

/** Shapes of parameters, state_dict entries and gradients after sum(y * cotangent).backward(). */
function ourShapes(c: ShapeCase): TorchShapes & { grads: Record<string, number[]> } {
  nn.manualSeed(3);
  const m = c.make();
  const x = c.indices
    ? tf.tensor(Int32Array.from({ length: c.input.reduce((a, b) => a * b, 1) }, (_, i) => (i * 7) % c.indices!.high), c.input, 'int32')
    : tf.randomUniform(c.input, -1, 1, 'float32', 5);
  const params = m.parameters();
  const lossFn = () => {
    const y = c.run ? c.run(m, x) : (m as nn.Module).call(x);
    return tf.sum(tf.mul(y, tf.randomUniform(y.shape, -1, 1, 'float32', 6))) as tf.Scalar;
  };
  // (tfjs's variableGrads needs at least one variable; parameter-free modules just run forward.)
  const loss = params.length > 0 ? backward(lossFn, params) : tf.tidy(lossFn);
  const named = m.namedParameters();
  const result = {
    params: Object.fromEntries(named.map(([k, p]) => [k, p.shape])),
    state: Object.fromEntries([...m.stateDict()].map(([k, v]) => [k, v.shape])),
    grads: Object.fromEntries(named.map(([k, p]) => [k, p.grad?.shape ?? []])),
  };
  // Every parameter's value and grad have one shape.
  for (const [k, p] of named) expect(p.grad?.shape, `${c.torch}: ${k}.grad`).toEqual(p.variable.shape);
  tf.dispose([loss, x]);
  m.zeroGrad();
  m.dispose();
  return result;
}

describe("PyTorch's layouts for every src/nn module", () => {
  it('has a case for every Module class src/nn exports', () => {
    const exported = Object.entries(nn)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof nn.Module)
      .map(([k]) => k)
      .sort();
    expect(exported.length).toBeGreaterThan(15);
    // Losses have no parameters and take (input, target): their shapes and defaults are checked against PyTorch
    // in parity-tests/losses and parity-tests/defaults. Containers have no forward: test/nn/containers.test.ts
    // checks their state_dict keys and shapes.
    const elsewhere = exported.filter((k) => k.endsWith('Loss') || ['ModuleList', 'ModuleDict', 'ParameterList'].includes(k));
    expect(elsewhere.length).toBeLessThan(exported.length);
    expect([...new Set(CASES.map((c) => c.cls))].sort()).toEqual(exported.filter((k) => !elsewhere.includes(k)));
  });

  it.skipIf(!PYTHON_WITH_TORCH)('weights, buffers and every .grad have the shapes PyTorch gives the same module', async () => {
    await withBackend('cpu');
    const torch = torchShapes(PYTHON_WITH_TORCH!);
    CASES.forEach((c, i) => {
      const ours = ourShapes(c);
      expect(ours.params, `${c.torch}: parameters`).toEqual(torch[i]!.params);
      expect(ours.state, `${c.torch}: state_dict`).toEqual(torch[i]!.state);
      expect(ours.grads, `${c.torch}: gradients`).toEqual(torch[i]!.params);
    });
  });

  it("new Linear(784, 256).weight.shape is [256, 784]; Conv2d's is [out, in/groups, kh, kw]", async () => {
    await withBackend('cpu');
    const lin = new nn.Linear(784, 256);
    const conv = new nn.Conv2d(4, 6, [3, 2], { groups: 2 });
    expect(lin.weight.shape).toEqual([256, 784]);
    expect(conv.weight.shape).toEqual([6, 2, 3, 2]);
    lin.dispose();
    conv.dispose();
  });
});
