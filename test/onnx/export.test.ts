import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Module, manualSeed, Linear, Parameter, Conv2d } from '../../src/nn/index.js';
import { max_pool2d, relu } from '../../src/nn/functional/layers.js';
import { decodeModelProto, exportOnnx } from '../../src/onnx/index.js';
import { AdalineLike, MlpLike, ResidualConcat, maxAbs, maxAbsDiff, runOrt } from './fixtures.js';

interface DecodedModel {
  irVersion: number;
  opsetImport: Array<{ version: number }>;
  metadataProps?: Array<{ key: string; value: string }>;
  graph: {
    node: Array<{ name: string; opType: string; input: string[]; output: string[] }>;
    initializer: Array<{ name: string; dims: number[]; dataType: number; rawData: Uint8Array }>;
    input: Array<{ name: string; type: { tensorType: { shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } } }>;
    output: Array<{ name: string; type: { tensorType: { shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } } }>;
  };
}

const decode = (bytes: Uint8Array) => decodeModelProto(bytes) as unknown as DecodedModel;
const dims = (v: DecodedModel['graph']['input'][number]) => v.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function expectSameOutputs(model: Module, bytes: Uint8Array, sample: number[]): Promise<void> {
  model.eval();
  for (const batch of [1, 7]) {
    const x = tf.randomNormal([batch, ...sample], 0, 1, 'float32', 42 + batch);
    const y = model.call(x);
    const ort = await runOrt(bytes, x);
    expect(ort.dims).toEqual(y.shape);
    const ts = y.dataSync();
    expect(maxAbsDiff(ts, ort.data)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(ts)));
    x.dispose();
    y.dispose();
  }
}

describe('exportOnnx graph structure', () => {
  it('exports the MLP as Flatten + Gemm/Relu with PyTorch state_dict names and layouts', async () => {
    manualSeed(1);
    const model = new MlpLike();
    const bytes = exportOnnx(model, { inputShape: [1, 1, 28, 28] });
    const m = decode(bytes);
    expect(m.irVersion).toBe(8);
    expect(m.opsetImport.map((o) => o.version)).toEqual([17]);
    expect(m.graph.node.map((n) => `${n.name}:${n.opType}`)).toEqual([
      '/net.0/Flatten:Flatten',
      '/net.1/Gemm:Gemm',
      '/net.2/Relu:Relu',
      '/net.3/Gemm:Gemm',
      '/net.4/Relu:Relu',
      '/net.5/Gemm:Gemm',
    ]);
    expect(m.graph.node.at(-1)?.output).toEqual(['output']);
    expect(dims(m.graph.input[0]!)).toEqual(['batch', 1, 28, 28]);
    expect(dims(m.graph.output[0]!)).toEqual(['batch', 10]);
    const state = model.stateDict();
    expect(m.graph.initializer.map((i) => i.name).sort()).toEqual([...state.keys()].sort());
    for (const init of m.graph.initializer) {
      const ref = state.get(init.name)!;
      expect(init.dims).toEqual(ref.shape);
      const view = new DataView(init.rawData.buffer, init.rawData.byteOffset, init.rawData.byteLength);
      const values = Float32Array.from({ length: init.rawData.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
      expect(values).toEqual(ref.data);
    }
    await expectSameOutputs(model, bytes, [1, 28, 28]);
  });

  it('exports the Adaline (custom forward over two children) as Flatten + Gemm', async () => {
    manualSeed(2);
    const model = new AdalineLike();
    const bytes = exportOnnx(model, { inputShape: [1, 1, 28, 28] });
    expect(decode(bytes).graph.node.map((n) => n.opType)).toEqual(['Flatten', 'Gemm']);
    await expectSameOutputs(model, bytes, [1, 28, 28]);
  });

  it('traces a custom forward (residual add, concat, reshape, transpose, matmul, mean, sum) with a dynamic batch', async () => {
    manualSeed(3);
    const model = new ResidualConcat();
    const bytes = exportOnnx(model, { inputShape: [1, 3, 5, 4] });
    const m = decode(bytes);
    const ops = m.graph.node.map((n) => n.opType);
    for (const op of ['Erf', 'Div', 'Add', 'Concat', 'Reshape', 'Transpose', 'MatMul', 'ReduceMean', 'ReduceSum', 'Sub', 'Mul']) expect(ops).toContain(op);
    expect(ops).not.toContain('Dropout');
    const reshapeShape = m.graph.initializer.find((i) => i.name === '/Reshape/shape')!;
    const view = new DataView(reshapeShape.rawData.buffer, reshapeShape.rawData.byteOffset, reshapeShape.rawData.byteLength);
    // The batch dimension is copied from the reshaped tensor (ONNX's 0), never the traced batch size.
    expect([0, 1, 2].map((i) => Number(view.getBigInt64(i * 8, true)))).toEqual([0, 4, 6]);
    await expectSameOutputs(model, bytes, [3, 5, 4]);
  });

  it('stores metadata (the model card) in metadata_props and the doc string', () => {
    const card = JSON.stringify({ name: 'mnist-mlp', labels: ['0', '1'] });
    const m = decode(exportOnnx(new AdalineLike(), { inputShape: [1, 1, 28, 28], metadata: { 'twinml.model_card': card }, docString: 'doc' }));
    expect(m.metadataProps).toEqual([{ key: 'twinml.model_card', value: card }]);
  });

  it('exports a static batch when dynamicBatch is false', () => {
    const m = decode(exportOnnx(new MlpLike(), { inputShape: [5, 1, 28, 28], dynamicBatch: false, inputName: 'image', outputName: 'logits' }));
    expect(m.graph.input[0]!.name).toBe('image');
    expect(dims(m.graph.input[0]!)).toEqual([5, 1, 28, 28]);
    expect(dims(m.graph.output[0]!)).toEqual([5, 10]);
    expect(m.graph.output[0]!.name).toBe('logits');
  });

  it('restores train/eval flags and leaks no tensors', () => {
    const model = new ResidualConcat();
    model.train();
    exportOnnx(model, { inputShape: [1, 3, 5, 4] });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) exportOnnx(model, { inputShape: [1, 3, 5, 4] });
    expect(tf.memory().numTensors).toBe(before);
    expect(model.namedModules().every(([, m]) => m.training)).toBe(true);
    expect(Object.getOwnPropertyNames(model.block)).not.toContain('call');
  });
});

/** A custom module with its own Parameter used directly by tf ops, and a child Linear's weight used in a matmul. */
class OwnParameters extends Module {
  // Square, so a wrong layout for the direct use would run (wrongly) instead of failing.
  lin = new Linear(4, 4);
  scale = new Parameter(tf.tensor1d([0.5, -2, 3, 1.5]));
  forward(x: tf.Tensor): tf.Tensor {
    const y = tf.mul(this.lin.call(x), this.scale.variable);
    // The weight is stored [out, in] as in PyTorch: a direct use (x · W, square on purpose) shares the module's initializer.
    return tf.add(y, tf.matMul(x, this.lin.weight.variable));
  }
}

describe('exportOnnx parameters used by tf ops', () => {
  it('names parameters by state_dict key (one initializer per tensor: layouts are PyTorch\'s) and matches the TS forward', async () => {
    manualSeed(4);
    const model = new OwnParameters();
    const bytes = exportOnnx(model, { inputShape: [1, 4] });
    const names = decode(bytes).graph.initializer.map((i) => i.name).sort();
    expect(names).toEqual(['lin.bias', 'lin.weight', 'scale']);
    await expectSameOutputs(model, bytes, [4]);
  });
});

/** F.max_pool2d in a custom forward (tfjs's MaxPool kernel, explicit padding form), as ported models write it. */
class FunctionalPool extends Module {
  constructor(readonly padding: number) {
    super();
  }
  conv = new Conv2d(2, 3, 3);
  forward(x: tf.Tensor): tf.Tensor {
    return max_pool2d(relu(this.conv.call(x)), 3, { stride: 2, padding: this.padding });
  }
}

describe('exportOnnx of functional pooling', () => {
  for (const padding of [0, 1]) {
    it(`F.max_pool2d(kernel 3, stride 2, padding ${padding}) exports as MaxPool and matches the TS forward`, async () => {
      manualSeed(5);
      const model = new FunctionalPool(padding);
      const bytes = exportOnnx(model, { inputShape: [1, 2, 9, 8] });
      expect(decode(bytes).graph.node.map((n) => n.opType)).toContain('MaxPool');
      await expectSameOutputs(model, bytes, [2, 9, 8]);
    });
  }
});

class UsesCumsum extends Module {
  inner = new (class Scan extends Module {
    lin = new Linear(4, 4);
    forward(x: tf.Tensor): tf.Tensor {
      return tf.cumsum(this.lin.call(x), 1);
    }
  })();
  forward(x: tf.Tensor): tf.Tensor {
    return this.inner.call(x);
  }
}

class BatchDependentConstant extends Module {
  lin = new Linear(4, 3);
  forward(x: tf.Tensor): tf.Tensor {
    // Different values per row: no ONNX constant or Expand expresses it for every batch size.
    return tf.add(this.lin.call(x), tf.reshape(tf.linspace(0, 1, (x.shape[0] as number) * 3), [-1, 3]));
  }
}

class BatchSizedOnes extends Module {
  lin = new Linear(4, 3);
  forward(x: tf.Tensor): tf.Tensor {
    return tf.add(this.lin.call(x), tf.ones([x.shape[0] as number, 3]));
  }
}

describe('exportOnnx errors', () => {
  it('names the unsupported op and the module path', () => {
    expect(() => exportOnnx(new UsesCumsum(), { inputShape: [1, 4] })).toThrow(/op 'Cumsum' at module path 'inner'/);
  });

  it('rejects a constant that depends on the batch size instead of baking it in', () => {
    expect(() => exportOnnx(new BatchDependentConstant(), { inputShape: [1, 4] })).toThrow(/depends on the size of the dynamic axis 'batch'/);
    // Without a dynamic batch the same model exports and is exact at its traced size.
    expect(() => exportOnnx(new BatchDependentConstant(), { inputShape: [2, 4], dynamicBatch: false })).not.toThrow();
  });

  it('a constant filled with one value at a batch-dependent shape (tf.ones([B, 3])) becomes Expand and works at any batch', async () => {
    manualSeed(8);
    const model = new BatchSizedOnes();
    const bytes = exportOnnx(model, { inputShape: [1, 4] });
    expect(decode(bytes).graph.node.map((n) => n.opType)).toContain('Expand');
    await expectSameOutputs(model, bytes, [4]);
  });

  it('rejects opsets other than 17 and missing shapes', () => {
    expect(() => exportOnnx(new AdalineLike(), { inputShape: [1, 1, 28, 28], opset: 13 })).toThrow(/opset 13 is not supported \(valid: 17\)/);
    expect(() => exportOnnx(new AdalineLike(), {})).toThrow(/inputShape/);
  });
});
