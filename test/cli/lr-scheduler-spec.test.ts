/** `--lr-scheduler` specs build the torch-named schedulers with their documented defaults; bad specs are named. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { withBackend } from '../helpers/backend.js';
import { SGD } from '../../src/train/optim/sgd.js';
import { Parameter } from '../../src/nn/parameter.js';
import { createLrScheduler, stepsPerBatch } from '../../src/cli/train/lr-scheduler-spec.js';
import { OneCycleLR } from '../../src/train/lr-scheduler/index.js';

beforeAll(async () => {
  await withBackend('cpu');
});

const opt = () => new SGD([new Parameter(tf.zeros([1]))], { lr: 1 });
const steps = (spec: string, n: number, epochs = 5, stepsPerEpoch?: number) => {
  const s = createLrScheduler(spec, opt(), { epochs, ...(stepsPerEpoch ? { stepsPerEpoch } : {}) })!;
  return Array.from({ length: n }, () => {
    s.step();
    return s.getLastLr()[0]!;
  });
};

describe('--lr-scheduler', () => {
  it('step:<size>:<gamma> multiplies by gamma every size epochs', () => {
    expect(steps('step:2:0.5', 4)).toEqual([1, 0.5, 0.5, 0.25]);
    expect(createLrScheduler('none', opt(), { epochs: 5 })).toBeUndefined();
  });

  it('cosine defaults T_max to the run epochs', () => {
    const got = steps('cosine', 4, 4);
    const want = [1, 2, 3, 4].map((t) => (1 + Math.cos((Math.PI * t) / 4)) / 2);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
  });

  it('linear:<start>:<end>:<iters> ramps the factor', () => {
    const got = steps('linear:0.5:1:2', 3);
    [0.75, 1, 1].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 12));
  });

  it('step:1:0.7 (issue 15) decays every epoch', () => {
    const got = steps('step:1:0.7', 3);
    [0.7, 0.7 * 0.7, 0.7 * 0.7 * 0.7].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 15));
  });

  it('multistep:<m1>,<m2>:<gamma> decays at each milestone', () => {
    expect(steps('multistep:2,4:0.5', 5)).toEqual([1, 0.5, 0.5, 0.25, 0.25]);
    expect(steps('multistep:1', 2)[0]).toBeCloseTo(0.1, 15);
  });

  it('exponential:<gamma> multiplies every epoch', () => {
    expect(steps('exponential:0.5', 3)).toEqual([0.5, 0.25, 0.125]);
  });

  it('onecycle:<max_lr> is a OneCycleLR over epochs x steps per epoch, stepped per batch', () => {
    const s = createLrScheduler('onecycle:0.4:0.5:linear', opt(), { epochs: 2, stepsPerEpoch: 3 })!;
    expect(stepsPerBatch(s)).toBe(true);
    expect(s).toBeInstanceOf(OneCycleLR);
    expect((s as OneCycleLR).totalSteps).toBe(6);
    expect(s.getLastLr()[0]).toBeCloseTo(0.4 / 25, 15);
    expect(stepsPerBatch(createLrScheduler('step:1', opt(), { epochs: 2 })!)).toBe(false);
  });

  it('names bad specs and lists the forms', () => {
    const run = { epochs: 5 };
    expect(() => createLrScheduler('step', opt(), run)).toThrow(/step needs a step size/);
    expect(() => createLrScheduler('exp:0.9', opt(), run)).toThrow(/unknown scheduler 'exp'; forms: none \| step.*\| multistep.*\| exponential.*\| onecycle/);
    expect(() => createLrScheduler('cosine:x', opt(), run)).toThrow(/'x' is not a number/);
    expect(() => createLrScheduler('step:1:2:3', opt(), run)).toThrow(/step takes at most 2 value/);
    expect(() => createLrScheduler('multistep:2,x', opt(), run)).toThrow(/'x' is not a number/);
    expect(() => createLrScheduler('exponential', opt(), run)).toThrow(/exponential needs gamma/);
    expect(() => createLrScheduler('onecycle:0.1:0.3:sine', opt(), run)).toThrow(/anneal strategy 'sine' is unknown; valid: cos, linear/);
  });
});
