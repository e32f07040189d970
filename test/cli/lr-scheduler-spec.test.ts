/** `--lr-scheduler` specs build the torch-named schedulers with their documented defaults; bad specs are named. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { withBackend } from '../helpers/backend.js';
import { SGD } from '../../src/train/optim/sgd.js';
import { Parameter } from '../../src/nn/parameter.js';
import { createLrScheduler } from '../../src/cli/train/lr-scheduler-spec.js';

beforeAll(async () => {
  await withBackend('cpu');
});

const opt = () => new SGD([new Parameter(tf.zeros([1]))], { lr: 1 });
const steps = (spec: string, n: number, epochs = 5) => {
  const s = createLrScheduler(spec, opt(), epochs)!;
  return Array.from({ length: n }, () => {
    s.step();
    return s.getLastLr()[0]!;
  });
};

describe('--lr-scheduler', () => {
  it('step:<size>:<gamma> multiplies by gamma every size epochs', () => {
    expect(steps('step:2:0.5', 4)).toEqual([1, 0.5, 0.5, 0.25]);
    expect(createLrScheduler('none', opt(), 5)).toBeUndefined();
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

  it('names bad specs and lists the forms', () => {
    expect(() => createLrScheduler('step', opt(), 5)).toThrow(/step needs a step size/);
    expect(() => createLrScheduler('exp:0.9', opt(), 5)).toThrow(/unknown scheduler 'exp'; forms: none \| step/);
    expect(() => createLrScheduler('cosine:x', opt(), 5)).toThrow(/'x' is not a number/);
    expect(() => createLrScheduler('step:1:2:3', opt(), 5)).toThrow(/step takes at most 2 value/);
  });
});
