/**
 * Sequence models: int32 token ids in (int64 in the graph on request), Gather (Embedding and tf.gather), Where,
 * comparisons, Range, TopK, named dynamic axes (batch and sequence), traced with the user's example inputs. Each
 * export runs in onnxruntime-node at sequence lengths and batch sizes other than the traced ones and is compared
 * with the TS forward.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { Embedding, Linear, Module, TransformerEncoderLayer, manualSeed } from '../../src/nn/index.js';
import { triu } from '../../src/nn/tensor-ops.js';
import { decodeModelProto, exportOnnx, flattenOutputs } from '../../src/onnx/index.js';
import type { AnyModule } from '../../src/nn/module.js';
import { maxAbs, maxAbsDiff } from './fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const VOCAB = 11;

/**
 * A one-layer causal "attention" LM written with tf ops: token + position embeddings (positions from tf.range over
 * the sequence length), a causal mask from comparing two ranges, tf.where to -inf, softmax, and a Linear head.
 */
class TinyCausalLM extends Module<{ logits: tf.Tensor; top_values: tf.Tensor; top_indices: tf.Tensor }> {
  wte = new Embedding(VOCAB, 8);
  wpe = new Embedding(16, 8);
  head = new Linear(8, VOCAB);
  forward(idx: tf.Tensor): { logits: tf.Tensor; top_values: tf.Tensor; top_indices: tf.Tensor } {
    const t = idx.shape[1] as number;
    const pos = tf.range(0, t, 1, 'int32');
    const x = tf.add(this.wte.call(idx), this.wpe.call(pos)); // [B, T, C]
    const scores = tf.div(tf.matMul(x, x, false, true), Math.sqrt(8)); // [B, T, T]
    const rows = tf.reshape(tf.range(0, t, 1, 'int32'), [t, 1]);
    const cols = tf.reshape(tf.range(0, t, 1, 'int32'), [1, t]);
    const causal = tf.lessEqual(cols, rows); // [T, T]
    const masked = tf.where(causal, scores, tf.fill(scores.shape, -Infinity));
    const y = tf.matMul(tf.softmax(masked), x);
    const logits = this.head.call(y);
    const last = tf.squeeze(tf.slice(logits, [0, t - 1, 0], [-1, 1, -1]), [1]); // [B, V]
    const { values, indices } = tf.topk(last, 3);
    return { logits, top_values: values, top_indices: indices };
  }
}

/** tf.gather of rows chosen by comparing the ids with a threshold, and an equality mask: Gather, Greater, Equal, Cast. */
class GatherWhere extends Module {
  table = new Embedding(VOCAB, 4);
  forward(idx: tf.Tensor): tf.Tensor {
    const rows = tf.gather(this.table.weight.variable, idx); // [B, T, 4]
    const big = tf.cast(tf.greater(idx, 5), 'float32');
    const seven = tf.cast(tf.equal(idx, 7), 'float32');
    return tf.add(tf.mul(rows, tf.expandDims(tf.add(big, seven), 2)), tf.expandDims(tf.cast(tf.notEqual(idx, 3), 'float32'), 2));
  }
}

/**
 * nn.TransformerEncoderLayer (batch_first, gelu, norm_first) over token embeddings with torch's causal src_mask
 * (triu of ones above the diagonal = masked) and a key padding mask from the ids (id 0 after the first position): MultiheadAttention,
 * LayerNorm and the masks follow the sequence length.
 */
class TinyEncoder extends Module {
  emb = new Embedding(VOCAB, 16);
  layer = new TransformerEncoderLayer(16, 2, { dimFeedforward: 24, dropout: 0, batchFirst: true, activation: 'gelu', normFirst: true });
  head = new Linear(16, VOCAB);
  forward(idx: tf.Tensor): tf.Tensor {
    const t = idx.shape[1] as number;
    const causal = tf.greater(triu(tf.ones([t, t]), 1), 0);
    // id 0 is padding, except at position 0 (a row with every key masked is NaN, in torch too).
    const padding = tf.logicalAnd(tf.equal(idx, 0), tf.greater(tf.range(0, t, 1, 'int32'), 0));
    return this.head.call(this.layer.call(this.emb.call(idx), { srcMask: causal, srcKeyPaddingMask: padding }));
  }
}

function ids(batch: number, seq: number, seed: number): tf.Tensor {
  let s = seed;
  const data = Int32Array.from({ length: batch * seq }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % VOCAB;
  });
  return tf.tensor2d(data, [batch, seq], 'int32');
}

interface Decoded {
  graph: {
    node: Array<{ opType: string }>;
    input: Array<{ name: string; type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } } }>;
    output: Array<{ name: string; type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } } }>;
  };
}
const decode = (bytes: Uint8Array) => decodeModelProto(bytes) as unknown as Decoded;
const dims = (v: Decoded['graph']['input'][number]) => v.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue);

/** Runs the export in onnxruntime at each (batch, sequence) and compares every output with the TS forward. */
async function expectMatches(model: AnyModule, bytes: Uint8Array, sizes: Array<[number, number]>, int64: boolean): Promise<void> {
  const session = await ort.InferenceSession.create(bytes);
  model.eval();
  for (const [b, t] of sizes) {
    const x = ids(b, t, 7 * b + t);
    const data = x.dataSync() as Int32Array;
    const feed = int64 ? new ort.Tensor('int64', BigInt64Array.from(data, (v) => BigInt(v)), [b, t]) : new ort.Tensor('int32', data, [b, t]);
    const out = await session.run({ [session.inputNames[0]!]: feed });
    const ts = tf.tidy(() => flattenOutputs(model.call(x), 'test').map((o) => ({ shape: o.tensor.shape, data: o.tensor.dataSync() })));
    session.outputNames.forEach((name, i) => {
      const o = out[name]!;
      expect(o.dims, `${name} at [${b}, ${t}]`).toEqual(ts[i]!.shape);
      const want = ts[i]!.data;
      const got = o.data as Float32Array | Int32Array;
      expect(maxAbsDiff(want, got), `${name} at [${b}, ${t}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(want)));
    });
    x.dispose();
  }
  await session.release();
}

describe('exportOnnx: sequence models', () => {
  it('token ids (int64 graph input), Embedding + range positions + causal where + topk, dynamic batch and sequence', async () => {
    manualSeed(11);
    const model = new TinyCausalLM();
    const example = ids(2, 6, 1);
    const before = tf.memory().numTensors;
    const bytes = exportOnnx(model, {
      exampleInputs: { idx: example },
      inputDtypes: { idx: 'int64' },
      dynamicAxes: { idx: { 0: 'batch', 1: 'sequence' } },
    });
    expect(tf.memory().numTensors, 'tensors left by the export').toBe(before);
    example.dispose();
    const m = decode(bytes);
    const ops = m.graph.node.map((n) => n.opType);
    for (const op of ['Gather', 'Range', 'LessOrEqual', 'Where', 'TopK', 'Softmax', 'Shape']) expect(ops).toContain(op);
    expect(m.graph.input.map((i) => [i.name, i.type.tensorType.elemType, dims(i)])).toEqual([['idx', 7, ['batch', 'sequence']]]);
    expect(m.graph.output.map((o) => [o.name, dims(o)])).toEqual([
      ['logits', ['batch', 'sequence', VOCAB]],
      ['top_values', ['batch', 3]],
      ['top_indices', ['batch', 3]],
    ]);
    expect(m.graph.output[2]!.type.tensorType.elemType).toBe(6); // int32, as tfjs's topk indices
    await expectMatches(model, bytes, [[1, 1], [1, 9], [3, 4], [2, 16]], true);
  });

  it('tf.gather, comparisons and casts on int32 ids', async () => {
    manualSeed(12);
    const model = new GatherWhere();
    const example = ids(2, 5, 3);
    const bytes = exportOnnx(model, { exampleInputs: [example], inputNames: ['idx'], dynamicAxes: { idx: { 0: 'batch', 1: 'sequence' } } });
    example.dispose();
    expect(decode(bytes).graph.input[0]!.type.tensorType.elemType).toBe(6);
    await expectMatches(model, bytes, [[1, 3], [4, 7]], false);
  });

  it('nn.TransformerEncoderLayer with a causal mask and a key padding mask', async () => {
    manualSeed(14);
    const model = new TinyEncoder();
    const example = ids(2, 5, 9);
    const bytes = exportOnnx(model, { exampleInputs: { idx: example }, dynamicAxes: { idx: { 0: 'batch', 1: 'sequence' } } });
    example.dispose();
    const ops = decode(bytes).graph.node.map((n) => n.opType);
    for (const op of ['LayerNormalization', 'Trilu', 'Softmax', 'Equal', 'And']) expect(ops).toContain(op);
    await expectMatches(model, bytes, [[1, 2], [3, 7], [2, 12]], false);
  });

  it('without a dynamic sequence axis the sequence length is fixed in the graph', () => {
    manualSeed(13);
    const example = ids(2, 6, 1);
    const bytes = exportOnnx(new TinyCausalLM(), { exampleInputs: { idx: example } });
    example.dispose();
    expect(dims(decode(bytes).graph.input[0]!)).toEqual(['batch', 6]);
  });

  it('names the op and module path when a value cannot follow the sequence axis, and checks the options', () => {
    class FromValues extends Module {
      inner = new (class Peek extends Module {
        forward(idx: tf.Tensor): tf.Tensor {
          // A constant built from the input's values: different at each traced length.
          return tf.add(tf.cast(idx, 'float32'), tf.tensor(Array.from(idx.dataSync()), idx.shape, 'float32'));
        }
      })();
      forward(idx: tf.Tensor): tf.Tensor {
        return this.inner.call(idx);
      }
    }
    const example = ids(1, 4, 2);
    const axes = { idx: { 1: 'sequence' } };
    expect(() => exportOnnx(new FromValues(), { exampleInputs: { idx: example }, dynamicAxes: axes })).toThrow(
      /op 'Add' at module path 'inner'.*depends on the size of the dynamic axis 'sequence' or on the input values/,
    );
    expect(() => exportOnnx(new FromValues(), { exampleInputs: { idx: example }, dynamicAxes: { ids: { 1: 'sequence' } } })).toThrow(
      /dynamicAxes names the input 'ids', but the inputs are 'idx'/,
    );
    expect(() => exportOnnx(new FromValues(), { exampleInputs: { idx: example }, dynamicAxes: { idx: { 2: 'sequence' } } })).toThrow(/has dimension 2, but 'idx' has rank 2/);
    expect(() => exportOnnx(new FromValues(), { exampleInputs: { idx: example }, inputDtypes: { idx: 'float32' } })).toThrow(/inputDtypes.idx is 'float32' but its example tensor is int32/);
    example.dispose();
  });
});
