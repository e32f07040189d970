/**
 * The torch backend's fused optimizer kernels (TwinmlAdamUpdate / TwinmlSgdUpdate, native/torch-backend/fused.cc)
 * equal PyTorch's default single-tensor torch.optim step (foreach=False) bit for bit: 12 steps of Adam, AdamW,
 * Adam amsgrad, SGD with momentum/dampening/weight decay and nesterov SGD from the same parameter and gradients,
 * PyTorch run by the project's Python (.venv). Skipped with one line without the addon or without Python.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { ADAM_UPDATE, SGD_UPDATE } from '../../src/backend/wasm/optimizer-kernels.js';
import { findPython } from '../../src/bridge/find-python.js';
import { Rng } from '../../src/util/rng.js';
import { torchAvailable } from './torch-helpers.js';

const python = findPython().chosen;
const pythonExe = python?.executable ?? python?.candidate;
const ready = torchAvailable && pythonExe !== undefined;
if (!ready) console.warn(`torch optimizer exactness SKIPPED: ${torchAvailable ? 'no Python with torch (npm run setup)' : 'torch addon not built (npm run setup:torch)'}`);

const N = 1031;
const STEPS = 12;

interface Case {
  name: string;
  kind: 'adam' | 'sgd';
  torch: string;
  attrs: Record<string, number | boolean>;
}

const CASES: Case[] = [
  { name: 'Adam lr=1e-2', kind: 'adam', torch: 'torch.optim.Adam([p], lr=1e-2, foreach=False)', attrs: { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, amsgrad: false } },
  { name: 'Adam weight_decay=0.05 amsgrad', kind: 'adam', torch: 'torch.optim.Adam([p], lr=3e-3, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True, foreach=False)', attrs: { lr: 3e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05, decoupledWeightDecay: false, amsgrad: true } },
  { name: 'AdamW', kind: 'adam', torch: 'torch.optim.AdamW([p], lr=1e-3, foreach=False)', attrs: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupledWeightDecay: true, amsgrad: false } },
  { name: 'SGD momentum=0.8 dampening=0.3 weight_decay=0.01', kind: 'sgd', torch: 'torch.optim.SGD([p], lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01, foreach=False)', attrs: { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01, nesterov: false } },
  { name: 'SGD nesterov', kind: 'sgd', torch: 'torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, foreach=False)', attrs: { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true } },
];

const SCRIPT = `
import sys, json, numpy as np, torch
dir, cases = sys.argv[1], json.loads(sys.argv[2])
p0 = np.fromfile(dir + '/p0.bin', dtype=np.float32)
grads = np.fromfile(dir + '/grads.bin', dtype=np.float32).reshape(${STEPS}, -1)
for i, make in enumerate(cases):
    p = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    opt = eval(make)
    for g in grads:
        p.grad = torch.from_numpy(g.copy())
        opt.step()
    p.detach().numpy().astype(np.float32).tofile(dir + '/out%d.bin' % i)
`;

/** Runs STEPS updates of `c` through the backend kernel; returns the final parameter. */
function runKernelSteps(c: Case, p0: Float32Array, grads: Float32Array[]): Float32Array {
  let param: tf.Tensor = tf.tensor1d(p0);
  let state: Record<string, tf.Tensor | undefined> = {};
  grads.forEach((g, k) => {
    const grad = tf.tensor1d(g);
    if (c.kind === 'adam') {
      const inputs: tf.NamedTensorMap = { param, grad };
      if (state.expAvg) Object.assign(inputs, { expAvg: state.expAvg, expAvgSq: state.expAvgSq }, state.maxExpAvgSq ? { maxExpAvgSq: state.maxExpAvgSq } : {});
      const [p, m, v, vmax] = tf.engine().runKernel(ADAM_UPDATE, inputs, { ...c.attrs, step: k + 1 } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      tf.dispose([param, state.expAvg!, state.expAvgSq!, state.maxExpAvgSq!].filter(Boolean));
      param = p!;
      state = { expAvg: m, expAvgSq: v, maxExpAvgSq: vmax };
    } else {
      const inputs: tf.NamedTensorMap = state.buf ? { param, grad, momentumBuffer: state.buf } : { param, grad };
      const [p, buf] = tf.engine().runKernel(SGD_UPDATE, inputs, c.attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      tf.dispose([param, ...(state.buf ? [state.buf] : [])]);
      param = p!;
      state = { buf };
    }
    grad.dispose();
  });
  const out = Float32Array.from(param.dataSync());
  tf.dispose([param, ...Object.values(state).filter((t): t is tf.Tensor => t !== undefined)]);
  return out;
}

const run = ready ? describe : describe.skip;

run('torch backend optimizer kernels vs torch.optim (foreach=False), bit for bit', () => {
  it(`${CASES.length} optimizers, ${STEPS} steps each, ${N} parameters`, async () => {
    const rng = new Rng(5);
    const p0 = new Float32Array(N);
    rng.fillUniform(p0, -1, 1);
    const grads = Array.from({ length: STEPS }, () => {
      const g = new Float32Array(N);
      rng.fillUniform(g, -0.5, 0.5);
      return g;
    });
    const dir = mkdtempSync(join(tmpdir(), 'twinml-torch-optim-'));
    try {
      writeFileSync(join(dir, 'p0.bin'), p0);
      writeFileSync(join(dir, 'grads.bin'), Buffer.concat(grads.map((g) => Buffer.from(g.buffer))));
      execFileSync(pythonExe!, ['-c', SCRIPT, dir, JSON.stringify(CASES.map((c) => c.torch))], { stdio: 'pipe' });
      await useBackend('torch');
      const before = tf.memory().numTensors;
      for (const [i, c] of CASES.entries()) {
        const ours = runKernelSteps(c, p0, grads);
        const theirs = new Float32Array(readFileSync(join(dir, `out${i}.bin`)).buffer.slice(0));
        let differing = 0;
        let first = -1;
        for (let j = 0; j < N; j++) {
          if (!Object.is(ours[j], theirs[j])) {
            differing++;
            if (first < 0) first = j;
          }
        }
        expect(differing, `${c.name}: ${differing}/${N} values differ from PyTorch${first >= 0 ? ` (first at ${first}: ours ${ours[first]}, torch ${theirs[first]})` : ''}`).toBe(0);
        // the parameters moved (not a comparison of untouched values)
        expect(ours.some((v, j) => v !== p0[j])).toBe(true);
      }
      expect(tf.memory().numTensors).toBe(before);
      await useBackend('cpu');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
