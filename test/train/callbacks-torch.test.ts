/**
 * ReduceLROnPlateau and clip_grad_norm_ against PyTorch itself (run through the project's Python): the same
 * metric sequence gives the same lr after every step, the same gradients give the same total norm and clipped
 * gradients (float32, to rounding).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs-core';
import { referencePython } from '../helpers/python.js';
import { withBackend, maxAbsDiff } from '../helpers/backend.js';
import { Parameter } from '../../src/nn/parameter.js';
import { SGD } from '../../src/train/optim/sgd.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from '../../src/train/callbacks/reduce-lr-on-plateau.js';
import { clip_grad_norm_, clip_grad_value_ } from '../../src/nn/utils/index.js';
import { Rng } from '../../src/util/rng.js';

const PYTHON = referencePython('test/train/callbacks-torch.test.ts (schedulers and callbacks against PyTorch)');
const python = PYTHON ?? '';

function torch<T>(script: string, input: unknown): T {
  const r = spawnSync(python, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  await withBackend('cpu');
});

const PLATEAU_PY = `
import json, sys, torch
cfg = json.load(sys.stdin)
results = []
for options in cfg['cases']:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{'params': [p], 'lr': 0.5}, {'params': [torch.nn.Parameter(torch.zeros(1))], 'lr': 0.02}], lr=0.5)
    s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
    out = []
    for m in cfg['metrics']:
        s.step(m)
        out.append([g['lr'] for g in opt.param_groups])
    results.append(out)
print(json.dumps(results))
`;

describe.skipIf(!PYTHON)('ReduceLROnPlateau (torch semantics)', () => {
  const metrics = [1.0, 0.9, 0.95, 0.9, 0.899995, 0.91, 0.92, 0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.8, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49, 0.49];
  const cases: Array<[string, Partial<ReduceLROnPlateauOptions>, Record<string, unknown>]> = [
    ['min rel, patience 2', { patience: 2 }, { patience: 2 }],
    ['min abs with cooldown and min_lr', { patience: 1, thresholdMode: 'abs', threshold: 0.01, cooldown: 2, minLr: [0.01, 0.001], factor: 0.5 }, { patience: 1, threshold_mode: 'abs', threshold: 0.01, cooldown: 2, min_lr: [0.01, 0.001], factor: 0.5 }],
    ['max rel, patience 0', { mode: 'max', patience: 0, factor: 0.3 }, { mode: 'max', patience: 0, factor: 0.3 }],
    ['max abs, eps stops tiny changes', { mode: 'max', patience: 1, thresholdMode: 'abs', threshold: 0.05, minLr: 0.1, eps: 1e-2 }, { mode: 'max', patience: 1, threshold_mode: 'abs', threshold: 0.05, min_lr: 0.1, eps: 1e-2 }],
  ];
  let expectedAll: number[][][];
  beforeAll(() => {
    expectedAll = torch<number[][][]>(PLATEAU_PY, { cases: cases.map((c) => c[2]), metrics });
  });
  cases.forEach(([name, ours], caseIndex) => {
    it(name, () => {
      const expected = expectedAll[caseIndex]!;
      const opt = new SGD([{ params: [new Parameter(tf.zeros([1]))], lr: 0.5 }, { params: [new Parameter(tf.zeros([1]))], lr: 0.02 }], { lr: 0.5 });
      const s = new ReduceLROnPlateau(opt, ours);
      const got = metrics.map((m) => {
        s.step(m);
        return s.getLastLr();
      });
      expect(got).toEqual(expected);
      expect(new Set(got.map((l) => l[0])).size).toBeGreaterThan(1); // the case exercises at least one reduction
    });
  });

  it('resumes from stateDict() exactly', () => {
    const run = (split: number) => {
      const opt = new SGD([new Parameter(tf.zeros([1]))], { lr: 1 });
      let s = new ReduceLROnPlateau(opt, { patience: 1, cooldown: 1 });
      const lrs: number[] = [];
      metrics.forEach((m, i) => {
        if (i === split) {
          const state = s.stateDict();
          s = new ReduceLROnPlateau(opt, { patience: 1, cooldown: 1 });
          s.loadStateDict(JSON.parse(JSON.stringify(state, (_k, v) => (v === Infinity ? 'Infinity' : v)), (_k, v) => (v === 'Infinity' ? Infinity : v)));
        }
        s.step(m);
        lrs.push(s.getLastLr()[0]!);
      });
      return lrs;
    };
    expect(run(7)).toEqual(run(-1));
  });

  it('rejects factor >= 1 like torch', () => {
    const opt = new SGD([new Parameter(tf.zeros([1]))], { lr: 1 });
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/factor should be < 1.0, got 1/);
  });
});

const CLIP_PY = `
import json, sys, torch
cfg = json.load(sys.stdin)
results = []
for norm_type, max_norm in cfg['cases']:
    ps = []
    for shape, data in cfg['grads']:
        p = torch.nn.Parameter(torch.zeros(shape))
        p.grad = torch.tensor(data, dtype=torch.float32).reshape(shape)
        ps.append(p)
    norm_type = float('inf') if norm_type == 'inf' else norm_type
    if norm_type == 'value':
        torch.nn.utils.clip_grad_value_(ps, max_norm)
        total = torch.tensor(0.0)
    else:
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    results.append({'total': total.item(), 'grads': [p.grad.flatten().tolist() for p in ps]})
print(json.dumps(results))
`;

describe.skipIf(!PYTHON)('clip_grad_norm_ (torch.nn.utils.clip_grad_norm_)', () => {
  const rng = new Rng(7);
  const shapes = [[5, 3], [3], [2, 2, 2]];
  const grads = shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    return [s, Array.from({ length: n }, () => Math.fround(rng.normal() * 3))] as [number[], number[]];
  });
  const clipCases = [[2, 1.5], [2, 100], [1, 4], [Infinity, 2], [3, 2]] as Array<[number, number]>;
  let expectedAll: Array<{ total: number; grads: number[][] }>;
  beforeAll(() => {
    expectedAll = torch(CLIP_PY, { grads, cases: clipCases.map(([p, m]) => [p === Infinity ? 'inf' : p, m]) });
  });
  clipCases.forEach(([normType, maxNorm], caseIndex) => {
    it(`norm_type ${normType}, max_norm ${maxNorm}`, () => {
      const expected = expectedAll[caseIndex]!;
      const params = grads.map(([s, d]) => {
        const p = new Parameter(tf.zeros(s));
        p.grad = tf.tensor(d, s);
        return p;
      });
      const before = tf.memory().numTensors;
      const total = clip_grad_norm_(params, maxNorm, normType);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(total - expected.total)).toBeLessThanOrEqual(4e-6 * expected.total);
      params.forEach((p, i) => {
        const got = p.grad!.dataSync();
        const want = expected.grads[i]!;
        expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(2e-6 * Math.max(...want.map(Math.abs)));
      });
      if (maxNorm < expected.total) expect(Math.abs(clip_grad_norm_(params, Infinity, normType) - maxNorm)).toBeLessThan(1e-4 * maxNorm);
    });
  });

  it('clip_grad_value_ clamps like torch, a shared Parameter once', () => {
    const [expected] = torch(CLIP_PY, { grads, cases: [['value', 1.25]] }) as Array<{ grads: number[][] }>;
    const params = grads.map(([s, d]) => {
      const p = new Parameter(tf.zeros(s));
      p.grad = tf.tensor(d, s);
      return p;
    });
    clip_grad_value_([...params, params[0]!], 1.25);
    params.forEach((p, i) => expect(Array.from(p.grad!.dataSync())).toEqual(expected!.grads[i]!.map(Math.fround)));
    params.forEach((p) => p.dispose());
  });

  it('errors on a non-finite total norm when asked, naming the norm', () => {
    const p = new Parameter(tf.zeros([2]));
    p.grad = tf.tensor([NaN, 1]);
    expect(() => clip_grad_norm_([p], 1, 2, true)).toThrow(/total norm of order 2 .* is non-finite \(NaN\)/);
  });
});
