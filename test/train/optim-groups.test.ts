/**
 * torch.optim's Optimizer API on every twinml optimizer: parameter groups (per-group hyper-parameters,
 * paramGroups writable, addParamGroup), zeroGrad, parameters without .grad skipped, stateDict()/loadStateDict()
 * resuming bit-exactly (also through the checkpoint files' split), createOptimizer by name, no tensor leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Parameter } from '../../src/nn/parameter.js';
import { Adagrad, createOptimizer, OPTIMIZER_NAMES, SGD, type Optimizer } from '../../src/train/optim/index.js';
import { joinOptimizerState, splitOptimizerState } from '../../src/train/checkpoint/optimizer-state.js';
import { withBackend } from '../helpers/backend.js';

beforeAll(async () => {
  await withBackend('cpu');
});

/** Options exercising each optimizer's state (momentum buffers, amsgrad, centered...). */
const OPTIONS: Record<string, Record<string, unknown>> = {
  sgd: { lr: 0.1, momentum: 0.9 },
  adam: { lr: 0.01, amsgrad: true },
  adamw: { lr: 0.01 },
  adadelta: {},
  rmsprop: { momentum: 0.5, centered: true },
  adagrad: { lrDecay: 0.01 },
};

const grad = (t: number, n: number) => tf.tensor1d(Array.from({ length: n }, (_, i) => Math.sin(t * 1.7 + i) * 0.5));
const params = () => [new Parameter(tf.tensor1d([0.5, -1, 2])), new Parameter(tf.tensor1d([0.25, 3]))];

function run(opt: Optimizer<{ lr: number }>, ps: Parameter[], from: number, to: number): void {
  for (let t = from; t < to; t++) {
    ps.forEach((p) => (p.grad = grad(t, p.shape[0]!)));
    opt.step();
    opt.zeroGrad();
  }
}

describe('createOptimizer', () => {
  it('knows every optimizer by name, case-insensitively (torch class names)', () => {
    for (const name of OPTIMIZER_NAMES) {
      const ps = params();
      const opt = createOptimizer(name.toUpperCase(), ps);
      expect(opt.paramGroups).toHaveLength(1);
      opt.disposeState();
      ps.forEach((p) => p.dispose());
    }
    const ps = params();
    expect(createOptimizer('RMSprop', ps)).toBeDefined();
    ps.forEach((p) => p.dispose());
  });

  it('names an unknown optimizer or option and lists the valid ones', () => {
    const ps = params();
    expect(() => createOptimizer('lamb', ps)).toThrow(/unknown optimizer 'lamb'; valid: sgd, adam, adamw, adadelta, rmsprop, adagrad/);
    expect(() => createOptimizer('adam', ps, { momentum: 0.9 })).toThrow(/Adam: unknown option\(s\) momentum in options; valid: lr, betas, eps/);
    expect(() => createOptimizer('sgd', [{ params: ps, rho: 1 }])).toThrow(/SGD: unknown option\(s\) rho in parameter group 0/);
    expect(() => createOptimizer('rmsprop', ps, { lr: -1 })).toThrow(/RMSprop: invalid learning rate lr=-1/);
    ps.forEach((p) => p.dispose());
  });
});

describe('parameter groups', () => {
  it('give each group its own hyper-parameters, defaults filling the rest', () => {
    const [a, b] = params();
    const opt = new SGD([{ params: [a!], lr: 0.5 }, { params: [b!] }], { lr: 0.1, momentum: 0.9 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum, g.params.length])).toEqual([[0.5, 0.9, 1], [0.1, 0.9, 1]]);
    a!.grad = tf.tensor1d([1, 1, 1]);
    b!.grad = tf.tensor1d([1, 1]);
    opt.step();
    expect(Array.from(a!.variable.dataSync())).toEqual([0, -1.5, 1.5]);
    expect(Array.from(b!.variable.dataSync()).map((v) => Math.fround(v))).toEqual([Math.fround(0.25 - 0.1), Math.fround(3 - 0.1)]);
    opt.paramGroups[1]!.lr = 0; // writable, as schedulers do
    opt.step();
    expect(Array.from(b!.variable.dataSync()).map((v) => Math.fround(v))).toEqual([Math.fround(0.25 - 0.1), Math.fround(3 - 0.1)]);
    opt.disposeState();
    [a, b].forEach((p) => p!.dispose());
  });

  it('addParamGroup adds a group with the defaults and rejects a parameter already optimized', () => {
    const [a, b] = params();
    const opt = createOptimizer('adam', [a!], { lr: 0.01 });
    opt.addParamGroup({ params: [b!], lr: 0.1 } as never);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.01, 0.1]);
    expect((opt.paramGroups[1] as unknown as { betas: number[] }).betas).toEqual([0.9, 0.999]);
    expect(() => opt.addParamGroup({ params: [a!] } as never)).toThrow(/some parameters appear in more than one parameter group/);
    expect(() => createOptimizer('sgd', [])).toThrow(/empty parameter list/);
    opt.disposeState();
    [a, b].forEach((p) => p!.dispose());
  });

  it('skips a parameter without .grad (no update, no state), as PyTorch', () => {
    for (const name of OPTIMIZER_NAMES) {
      const [a, b] = params();
      const opt = createOptimizer(name, [a!, b!], OPTIONS[name]);
      a!.grad = grad(1, 3);
      opt.step();
      expect(Array.from(b!.variable.dataSync()), name).toEqual([0.25, 3]);
      const sd = opt.stateDict();
      // Adagrad creates every parameter's state at construction (PyTorch does too); the others on first update.
      if (!(opt instanceof Adagrad)) expect(sd.state[1], name).toBeNull();
      else expect(sd.state[1]!.step).toBe(0);
      opt.disposeState();
      [a, b].forEach((p) => p!.dispose());
    }
  });
});

describe('stateDict / loadStateDict', () => {
  for (const name of OPTIMIZER_NAMES) {
    it(`${name}: a resumed optimizer continues bit-exactly, through the checkpoint split, without leaking`, () => {
      const straight = params();
      const o1 = createOptimizer(name, [{ params: [straight[0]!] }, { params: [straight[1]!], lr: 0.003 }], OPTIONS[name]);
      run(o1, straight, 0, 7);

      const resumed = params();
      const o2 = createOptimizer(name, [{ params: [resumed[0]!] }, { params: [resumed[1]!], lr: 0.003 }], OPTIONS[name]);
      run(o2, resumed, 0, 3);
      const saved = o2.stateDict();
      const { tensors, json } = splitOptimizerState(saved);
      const restoredState = joinOptimizerState(tensors, JSON.parse(JSON.stringify(json)), 'ckpt');
      const values = resumed.map((p) => tf.tensor(p.variable.dataSync(), p.shape));
      o2.disposeState();
      resumed.forEach((p) => p.dispose());

      const fresh = values.map((v) => new Parameter(v));
      const o3 = createOptimizer(name, [{ params: [fresh[0]!] }, { params: [fresh[1]!], lr: 0.7 }], OPTIONS[name]);
      o3.loadStateDict(restoredState);
      expect(o3.paramGroups[1]!.lr).toBe(0.003);
      const before = tf.memory().numTensors;
      run(o3, fresh, 3, 7);
      expect(tf.memory().numTensors).toBe(before);
      fresh.forEach((p, i) => expect(Array.from(p.variable.dataSync()), `${name} param ${i}`).toEqual(Array.from(straight[i]!.variable.dataSync())));
      [o1, o3].forEach((o) => o.disposeState());
      [...straight, ...fresh].forEach((p) => p.dispose());
    });
  }

  it('rejects a state whose groups do not match, naming the sizes', () => {
    const ps = params();
    const sd = createOptimizer('sgd', ps).stateDict();
    const other = createOptimizer('sgd', [{ params: [ps[0]!] }, { params: [ps[1]!] }]);
    expect(() => other.loadStateDict(sd)).toThrow(/optimizer state has 1 parameter groups, this optimizer has 2/);
    ps.forEach((p) => p.dispose());
  });
});
