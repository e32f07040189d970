/**
 * The vision modules against PyTorch itself: the same weights (through state_dict), input and random cotangent
 * give the same output, input gradient, parameter gradients (in PyTorch layout) and buffers after the step
 * (BatchNorm running statistics, num_batches_tracked). Covers PyTorch's geometry rules: 'same' padding with
 * even kernels, ceil_mode's last-window rule, count_include_pad, adaptive bins, groups, dilation with stride.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import { Rng } from '../../src/util/rng.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';
import { referencePython } from '../helpers/python.js';
import type { HostTensor, StateDict } from '../../src/util/host-tensor.js';
import { withBackend } from '../helpers/backend.js';

interface TorchCase {
  name: string;
  /** The PyTorch module (evaluated with `from torch import nn`). */
  torch: string;
  make: () => nn.Module;
  input: number[];
  eval?: boolean;
}

const CASES: TorchCase[] = [
  { name: 'conv_s2_p1_d2_g2', torch: 'nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2)', make: () => new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, dilation: 2, groups: 2 }), input: [2, 4, 10, 9] },
  { name: 'conv_same_even', torch: "nn.Conv2d(3, 5, (4, 2), padding='same')", make: () => new nn.Conv2d(3, 5, [4, 2], { padding: 'same' }), input: [2, 3, 7, 8] },
  { name: 'conv_same_dilated', torch: "nn.Conv2d(2, 3, 4, padding='same', dilation=2, bias=False)", make: () => new nn.Conv2d(2, 3, 4, { padding: 'same', dilation: 2, bias: false }), input: [2, 2, 9, 9] },
  { name: 'conv_valid_stride', torch: "nn.Conv2d(3, 4, (3, 2), stride=(2, 3), padding='valid')", make: () => new nn.Conv2d(3, 4, [3, 2], { stride: [2, 3], padding: 'valid' }), input: [2, 3, 9, 11] },
  { name: 'conv_depthwise', torch: 'nn.Conv2d(4, 8, 3, stride=2, padding=1, groups=4)', make: () => new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1, groups: 4 }), input: [2, 4, 9, 8] },
  { name: 'maxpool_ceil', torch: 'nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)', make: () => new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true }), input: [2, 3, 8, 9] },
  { name: 'maxpool_ceil_drop_last', torch: 'nn.MaxPool2d(2, stride=2, ceil_mode=True)', make: () => new nn.MaxPool2d(2, { stride: 2, ceilMode: true }), input: [2, 3, 7, 5] },
  { name: 'maxpool_floor', torch: 'nn.MaxPool2d((3, 2), stride=(2, 1))', make: () => new nn.MaxPool2d([3, 2], { stride: [2, 1] }), input: [2, 3, 8, 9] },
  { name: 'avgpool_include_pad', torch: 'nn.AvgPool2d(3, stride=2, padding=1)', make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1 }), input: [2, 3, 8, 9] },
  { name: 'avgpool_exclude_pad_ceil', torch: 'nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)', make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), input: [2, 3, 8, 9] },
  { name: 'avgpool_include_pad_ceil', torch: 'nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)', make: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true }), input: [2, 3, 8, 10] },
  { name: 'adaptive_avg', torch: 'nn.AdaptiveAvgPool2d((3, 4))', make: () => new nn.AdaptiveAvgPool2d([3, 4]), input: [2, 3, 7, 9] },
  { name: 'adaptive_avg_none', torch: 'nn.AdaptiveAvgPool2d((None, 2))', make: () => new nn.AdaptiveAvgPool2d([null, 2]), input: [2, 3, 5, 7] },
  { name: 'batchnorm_train', torch: 'nn.BatchNorm2d(3)', make: () => new nn.BatchNorm2d(3), input: [4, 3, 5, 6] },
  { name: 'batchnorm_cma', torch: 'nn.BatchNorm2d(3, momentum=None)', make: () => new nn.BatchNorm2d(3, { momentum: null }), input: [4, 3, 5, 6] },
  { name: 'batchnorm_eval', torch: 'nn.BatchNorm2d(3)', make: () => new nn.BatchNorm2d(3), input: [4, 3, 5, 6], eval: true },
  { name: 'batchnorm_no_affine', torch: 'nn.BatchNorm2d(3, affine=False, track_running_stats=False, eps=1e-3)', make: () => new nn.BatchNorm2d(3, { affine: false, trackRunningStats: false, eps: 1e-3 }), input: [4, 3, 5, 6] },
  { name: 'leaky_relu', torch: 'nn.LeakyReLU(0.2)', make: () => new nn.LeakyReLU(0.2), input: [2, 3, 4, 5] },
  { name: 'gelu', torch: 'nn.GELU()', make: () => new nn.GELU(), input: [2, 3, 4, 5] },
  { name: 'gelu_tanh', torch: "nn.GELU(approximate='tanh')", make: () => new nn.GELU('tanh'), input: [2, 3, 4, 5] },
  { name: 'softmax_1', torch: 'nn.Softmax(dim=1)', make: () => new nn.Softmax(1), input: [2, 3, 4, 5] },
  { name: 'log_softmax_1', torch: 'nn.LogSoftmax(dim=1)', make: () => new nn.LogSoftmax(1), input: [2, 3, 4, 5] },
  { name: 'log_softmax_last', torch: 'nn.LogSoftmax(dim=-1)', make: () => new nn.LogSoftmax(-1), input: [2, 3, 4, 5] },
];

function host(t: tf.Tensor): HostTensor {
  return { dtype: 'float32', shape: [...t.shape], data: Float32Array.from(t.dataSync()) };
}

/** Runs a case in TS: returns its state_dict before the step and the results keyed like the Python side. */
function runTs(c: TorchCase): { state: StateDict; inputs: StateDict; results: StateDict } {
  nn.manualSeed(9);
  const module = c.make();
  if (c.eval) module.eval();
  // Non-default running statistics make eval-mode BatchNorm meaningful.
  if (c.eval) {
    const s = module.stateDict();
    for (const [k, t] of s) if (k === 'running_mean' || k === 'running_var') t.data = Float32Array.from(t.data as Float32Array, (_, i) => 0.3 + 0.2 * i);
    module.loadStateDict(s);
  }
  const state = module.stateDict();
  const xValues = new Float32Array(c.input.reduce((a, b) => a * b, 1));
  new Rng(3).fillUniform(xValues, -2, 2);
  const results: StateDict = new Map();
  const inputs: StateDict = new Map([['x', { dtype: 'float32', shape: c.input, data: xValues }]]);
  tf.tidy(() => {
    const x = tf.variable(tf.tensor(xValues, c.input), true);
    const params = module.namedParameters();
    let y: tf.Tensor | null = null;
    let ct: tf.Tensor | null = null;
    const { grads } = tf.variableGrads(() => {
      y = tf.keep(module.call(x));
      const ctValues = new Float32Array(y.size);
      new Rng(4).fillUniform(ctValues, -1, 1);
      ct = tf.keep(tf.tensor(ctValues, y.shape));
      return tf.sum(tf.mul(y, ct)) as tf.Scalar;
    }, [x, ...params.map(([, p]) => p.variable)]);
    inputs.set('cotangent', host(ct!));
    results.set('y', host(y!));
    results.set('grad.x', host(grads[x.name]!));
    for (const [name, p] of params) results.set(`grad.${name}`, host(grads[p.variable.name]!));
    x.dispose();
  });
  for (const [k, t] of module.stateDict()) if (!state.has(k) || k.startsWith('running') || k === 'num_batches_tracked') results.set(`after.${k}`, { ...t, dtype: 'float32', data: Float32Array.from(t.data as ArrayLike<number>, Number) });
  module.dispose();
  return { state, inputs, results };
}

const PYTHON = `
import json, sys, torch
from torch import nn
from safetensors.torch import load_file, save_file
cases = json.loads(sys.argv[1])
for c in cases:
    d = c['dir']
    m = eval(c['torch'])
    m.load_state_dict(load_file(d + '/state.safetensors'), strict=True)
    m.train(not c['eval'])
    inp = load_file(d + '/inputs.safetensors')
    x = inp['x'].clone().requires_grad_(True)
    y = m(x)
    (y * inp['cotangent']).sum().backward()
    out = {'y': y.detach(), 'grad.x': x.grad}
    for name, p in m.named_parameters():
        out['grad.' + name] = p.grad
    for name, b in m.named_buffers():
        out['after.' + name] = b.detach().to(torch.float32).reshape(b.shape)
    save_file({k: v.contiguous() for k, v in out.items()}, d + '/torch.safetensors')
`;

const INTERPRETER = referencePython('test/nn/torch-modules.test.ts (vision modules against PyTorch)');

describe.skipIf(!INTERPRETER)('vision modules against PyTorch', () => {
  it('match PyTorch in output, gradients and buffers (23 configurations, wasm backend)', async () => {
    await withBackend('wasm');
    const root = mkdtempSync(join(tmpdir(), 'twinml-torch-modules-'));
    try {
      const ours = new Map<string, StateDict>();
      const jobs = CASES.map((c) => {
        const dir = join(root, c.name);
        const { state, inputs, results } = runTs(c);
        saveSafetensors(join(dir, 'state.safetensors'), state);
        saveSafetensors(join(dir, 'inputs.safetensors'), inputs);
        ours.set(c.name, results);
        return { dir, torch: c.torch, eval: c.eval ?? false };
      });
      const python = INTERPRETER!;
      const r = spawnSync(python, ['-c', PYTHON, JSON.stringify(jobs)], { encoding: 'utf8', cwd: resolve(import.meta.dirname) });
      expect(r.status, r.stderr).toBe(0);
      const failures: string[] = [];
      for (const c of CASES) {
        const want = loadSafetensors(join(root, c.name, 'torch.safetensors')).tensors;
        const got = ours.get(c.name)!;
        expect([...got.keys()].sort(), c.name).toEqual([...want.keys()].sort());
        for (const [key, w] of want) {
          const g = got.get(key)!;
          expect(g.shape, `${c.name} ${key} shape`).toEqual(w.shape);
          const wv = w.data as Float32Array;
          const gv = g.data as Float32Array;
          let diff = 0;
          let scale = 1;
          wv.forEach((v, i) => {
            diff = Math.max(diff, Math.abs(v - gv[i]!));
            scale = Math.max(scale, Math.abs(v));
          });
          if (!(diff / scale <= 2e-6)) failures.push(`${c.name} ${key}: max |TS - torch| ${diff.toExponential(2)} (scale ${scale.toFixed(2)})`);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
