/** ModuleList, ModuleDict, ParameterList (PyTorch's state_dict keys) and forward returning arrays/objects. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import * as nn from '../../src/nn/index.js';
import { registerGlobalForwardHook, type ModuleOutput } from '../../src/nn/module.js';
import { backward } from '../../src/train/backward.js';

beforeAll(async () => {
  await useBackend('cpu');
});

class Encoder extends nn.Module<{ mu: tf.Tensor; logvar: tf.Tensor }> {
  layers = new nn.ModuleList([new nn.Linear(4, 8), new nn.Linear(8, 8)]);
  heads = new nn.ModuleDict({ mu: new nn.Linear(8, 2), logvar: new nn.Linear(8, 2) });
  scales = new nn.ParameterList([tf.ones([2]), tf.fill([2], 0.5)]);

  forward(x: tf.Tensor): { mu: tf.Tensor; logvar: tf.Tensor } {
    return tf.tidy(() => {
      let h = x;
      for (const layer of this.layers) h = tf.relu((layer as nn.Linear).call(h));
      return {
        mu: tf.mul(this.heads.get<nn.Linear>('mu').call(h), this.scales.at(0).variable),
        logvar: tf.mul(this.heads.get<nn.Linear>('logvar').call(h), this.scales.at(1).variable),
      };
    });
  }
}

class Pair extends nn.Module<[tf.Tensor, tf.Tensor]> {
  fc = new nn.Linear(3, 3);
  forward(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const y = this.fc.call(x);
    return [y, tf.neg(y)];
  }
}

describe('containers', () => {
  it('register their entries with PyTorch state_dict keys, in order', () => {
    const m = new Encoder();
    expect([...m.stateDict().keys()]).toEqual([
      'layers.0.weight',
      'layers.0.bias',
      'layers.1.weight',
      'layers.1.bias',
      'heads.mu.weight',
      'heads.mu.bias',
      'heads.logvar.weight',
      'heads.logvar.bias',
      'scales.0',
      'scales.1',
    ]);
    expect(m.parameters()).toHaveLength(10);
    expect(m.toString()).toContain('(layers): ModuleList(');
    m.dispose();
  });

  it('ModuleList: append, extend, insert, at, negative index, iteration, errors', () => {
    const list = new nn.ModuleList();
    const a = new nn.ReLU();
    const b = new nn.Tanh();
    const c = new nn.Sigmoid();
    list.append(a).extend([b]);
    list.insert(0, c);
    expect(list.length).toBe(3);
    expect([...list]).toEqual([c, a, b]);
    expect(list.at(-1)).toBe(b);
    expect(list.namedChildren().map(([k]) => k)).toEqual(['0', '1', '2']);
    expect(() => list.at(3)).toThrow(/index 3 is out of range \(length 3\)/);
    expect(() => list.forward()).toThrow(/ModuleList has no forward/);
  });

  it('ModuleDict: insertion order (also numeric-looking keys), has/pop, refuses attribute names and dots', () => {
    const d = new nn.ModuleDict([
      ['b', new nn.ReLU()],
      ['10', new nn.Tanh()],
      ['2', new nn.Sigmoid()],
    ]);
    expect(d.keys()).toEqual(['b', '10', '2']);
    expect(d.has('10')).toBe(true);
    d.pop('10');
    expect(d.keys()).toEqual(['b', '2']);
    expect(() => d.get('zz')).toThrow(/no module 'zz'; keys are b, 2/);
    expect(() => d.set('train', new nn.ReLU())).toThrow(/attribute 'train' already exists/);
    expect(() => d.set('a.b', new nn.ReLU())).toThrow(/can't be empty or contain "."/);
  });

  it('state_dict round trip through containers; loadStateDict names missing keys', () => {
    const src = new Encoder();
    const dst = new Encoder();
    dst.loadStateDict(src.stateDict());
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
    const a = src.call(x);
    const b = dst.call(x);
    expect(b.mu.arraySync()).toEqual(a.mu.arraySync());
    const partial = src.stateDict();
    partial.delete('scales.1');
    expect(() => dst.loadStateDict(partial)).toThrow(/missing keys: scales\.1/);
    tf.dispose([x, a.mu, a.logvar, b.mu, b.logvar]);
    src.dispose();
    dst.dispose();
  });
});

describe('forward returning several tensors', () => {
  it('call() returns the object or array, typed; hooks see it; backward reaches every parameter', () => {
    const m = new Encoder();
    const seen: ModuleOutput[] = [];
    const remove = registerGlobalForwardHook((mod, _inputs, output) => {
      if (mod === m) seen.push(output);
    });
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 2);
    const out = m.call(x);
    remove();
    expect(Object.keys(out)).toEqual(['mu', 'logvar']);
    expect(out.mu.shape).toEqual([5, 2]);
    expect(seen[0]).toBe(out);
    const loss = backward(() => {
      const o = m.call(x);
      return tf.add(tf.sum(tf.square(o.mu)), tf.sum(tf.exp(o.logvar)));
    }, m);
    expect(m.parameters().every((p) => p.grad !== null && p.grad.shape.join() === p.shape.join())).toBe(true);
    const pair = new Pair();
    const x3 = tf.slice(x, [0, 0], [5, 3]);
    const [y, negY] = pair.call(x3);
    expect(negY.arraySync()).toEqual(tf.neg(y).arraySync());
    tf.dispose([x, x3, out.mu, out.logvar, loss, y, negY]);
    m.dispose();
    pair.dispose();
  });

  it('backward counts a Parameter listed twice once (shared parameters)', () => {
    const fc = new nn.Linear(3, 2);
    const x = tf.ones([1, 3]);
    const once = backward(() => tf.sum(fc.call(x)), [fc.weight]);
    const g1 = fc.weight.grad!.arraySync();
    fc.zeroGrad();
    const twice = backward(() => tf.sum(fc.call(x)), [fc.weight, fc.weight]);
    expect(fc.weight.grad!.arraySync()).toEqual(g1);
    expect(() => backward(() => fc.call(x), fc)).toThrow(/the loss must be a scalar, got shape \[1, 2\]/);
    tf.dispose([x, once, twice]);
    fc.dispose();
  });
});
