/**
 * A Parameter shared by two modules (tied weights) is one tensor, as in PyTorch: parameters()/namedParameters()
 * list it once (first name wins), stateDict() lists every key, loadStateDict() sets the shared tensor, its
 * gradient is the sum of both uses (not twice that), and an optimizer updates it once. PyTorch itself is checked
 * in parity-tests/tied.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Embedding, Linear, Module, manualSeed } from '../../src/nn/index.js';
import { backward } from '../../src/train/backward.js';
import { SGD } from '../../src/train/optim/index.js';
import { withBackend } from '../helpers/backend.js';

class Tied extends Module {
  emb = new Embedding(7, 4);
  head = new Linear(4, 7, { bias: false });
  constructor(tie: boolean) {
    super();
    if (tie) {
      this.head.weight.dispose();
      this.head.weight = this.emb.weight;
    }
  }
  forward(idx: tf.Tensor): tf.Tensor {
    return this.head.call(this.emb.call(idx));
  }
}

beforeAll(async () => {
  await withBackend('cpu');
});

const idx = () => tf.tensor2d([[0, 3, 6], [2, 3, 1]], [2, 3], 'int32');
const cotangent = () => tf.randomUniform([2, 3, 7], -1, 1, 'float32', 9);

describe('shared Parameters', () => {
  it('are listed once by parameters() and namedParameters(), under every key by stateDict()', () => {
    manualSeed(1);
    const m = new Tied(true);
    expect(m.parameters()).toHaveLength(1);
    expect(m.namedParameters().map(([k]) => k)).toEqual(['emb.weight']);
    expect(m.namedParameters('', false).map(([k]) => k)).toEqual(['emb.weight', 'head.weight']);
    const sd = m.stateDict();
    expect([...sd.keys()]).toEqual(['emb.weight', 'head.weight']);
    expect(sd.get('head.weight')!.data).toEqual(sd.get('emb.weight')!.data);
    m.dispose();
  });

  it('loadStateDict sets the one shared tensor', () => {
    manualSeed(2);
    const m = new Tied(true);
    const values = Float32Array.from({ length: 28 }, (_, i) => i / 10);
    const t = { dtype: 'float32' as const, shape: [7, 4], data: values };
    m.loadStateDict({ 'emb.weight': t, 'head.weight': t });
    expect(m.head.weight).toBe(m.emb.weight);
    expect(Array.from(m.head.weight.variable.dataSync())).toEqual(Array.from(values));
    m.dispose();
  });

  it('get the sum of both uses as gradient (an untied copy gives the two parts), and one optimizer update', () => {
    manualSeed(3);
    const tied = new Tied(true);
    const untied = new Tied(false);
    untied.loadStateDict(tied.stateDict());
    const x = idx();
    const ct = cotangent();
    const lossOf = (m: Tied) => () => tf.sum(tf.mul(m.call(x), ct)) as tf.Scalar;
    tf.dispose([backward(lossOf(tied), tied.parameters()), backward(lossOf(untied), untied.parameters())]);
    const want = tf.add(untied.emb.weight.grad!, untied.head.weight.grad!);
    const got = tied.emb.weight.grad!;
    expect(got.shape).toEqual([7, 4]);
    const diff = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-6);
    const before = tied.emb.weight.variable.dataSync().slice();
    const g = got.dataSync().slice();
    new SGD(tied.parameters(), { lr: 0.5 }).step();
    const after = tied.emb.weight.variable.dataSync();
    after.forEach((v, i) => expect(Math.abs(v - (before[i]! - 0.5 * g[i]!))).toBeLessThan(1e-6));
    tf.dispose([x, ct, want]);
    tied.zeroGrad();
    untied.zeroGrad();
    tied.dispose();
    untied.dispose();
  });

  it('leak nothing and are disposed once', () => {
    const before = tf.memory().numTensors;
    const m = new Tied(true);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
