/**
 * The zoo's cnn: state_dict keys/shapes equal to the PyTorch original's, the same logits as PyTorch for the same
 * weights and input (checks NCHW in, channels-last inside, C,H,W flatten order), and no tensor leaks over
 * training epochs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { manualSeed } from '../../src/nn/generator.js';
import { CNN } from '../../src/models/cnn/model.js';
import { cnn } from '../../src/models/cnn/index.js';
import { Adam } from '../../src/train/optim/adam.js';
import { Trainer } from '../../src/train/trainer.js';
import { MNIST_NORMALIZATION } from '../../src/data/mnist.js';
import { smallMnistSplit } from '../helpers/mnist-subset.js';
import { saveSafetensors } from '../../src/io/safetensors.js';
import { referencePython } from '../helpers/python.js';
import { withBackend } from '../helpers/backend.js';
import { Rng } from '../../src/util/rng.js';

const PYTHON_DIR = resolve(import.meta.dirname, '../../python');

/** Runs `code` with the reference interpreter (cwd python/) and returns its stdout. */
const PYTHON = referencePython('test/models/cnn.test.ts (logits against PyTorch)');

function runPython(code: string): string {
  const python = PYTHON!;
  const r = spawnSync(python, ['-c', code], { cwd: PYTHON_DIR, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

const VARIANTS = [
  { name: 'default', config: cnn.resolveConfig({}, { sampleShape: [1, 28, 28], numClasses: 10 }) },
  { name: 'batchNorm + dropout, 3x20x18, 5 classes, widths 8,12', config: cnn.resolveConfig({ channels: [8, 12], batchNorm: true, dropout: 0.25 }, { sampleShape: [3, 20, 18], numClasses: 5 }) },
];

beforeAll(async () => {
  await withBackend('wasm');
});

describe('cnn model', () => {
  for (const { name, config } of VARIANTS) {
    it.skipIf(!PYTHON)(`${name}: state_dict keys, shapes and eval logits equal the PyTorch original's`, () => {
      manualSeed(3);
      const model = new CNN(config);
      model.eval();
      const dir = mkdtempSync(join(tmpdir(), 'twinml-cnn-'));
      try {
        const state = model.stateDict();
        // Non-trivial running statistics so eval-mode BatchNorm is checked too.
        for (const [key, t] of state) {
          if (key.endsWith('running_var') || key.endsWith('running_mean')) t.data = Float32Array.from(t.data as Float32Array, (_, i) => 0.5 + 0.1 * i);
        }
        model.loadStateDict(state);
        saveSafetensors(join(dir, 'state.safetensors'), state);
        const [c, h, w] = [config.inChannels, ...config.imageSize];
        const input = new Float32Array(3 * c * h * w);
        new Rng(5).fillUniform(input, -1, 1);
        saveSafetensors(join(dir, 'input.safetensors'), new Map([['x', { dtype: 'float32', shape: [3, c, h, w], data: input }]]));
        const logits = tf.tidy(() => model.call(tf.tensor(input, [3, c, h, w])).dataSync());
        const out = runPython(`
import json, torch
from safetensors.torch import load_file, save_file
from twinml_ref.models.cnn import CNN
m = CNN(in_channels=${c}, image_size=(${h}, ${w}), channels=${JSON.stringify(config.channels)}, num_classes=${config.numClasses}, batch_norm=${config.batchNorm ? 'True' : 'False'}, dropout=${config.dropout})
ref = {k: list(v.shape) for k, v in m.state_dict().items()}
m.load_state_dict(load_file(${JSON.stringify(join(dir, 'state.safetensors'))}), strict=True)
m.eval()
with torch.no_grad():
    y = m(load_file(${JSON.stringify(join(dir, 'input.safetensors'))})['x'])
save_file({'y': y.contiguous()}, ${JSON.stringify(join(dir, 'y.safetensors'))})
print(json.dumps(ref))
`);
        const torchShapes = JSON.parse(out) as Record<string, number[]>;
        const ours = Object.fromEntries([...state].map(([k, t]) => [k, t.shape]));
        expect(Object.keys(ours)).toEqual(Object.keys(torchShapes));
        expect(ours).toEqual(torchShapes);
        const bytes = readFileSync(join(dir, 'y.safetensors'));
        const header = Number(bytes.readBigUInt64LE(0));
        const want = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + header, bytes.byteOffset + bytes.length));
        expect(want.length).toBe(logits.length);
        let maxDiff = 0;
        let scale = 0;
        want.forEach((v, i) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - logits[i]!));
          scale = Math.max(scale, Math.abs(v));
        });
        expect(maxDiff / scale, `max |TS - torch| = ${maxDiff}`).toBeLessThan(1e-5);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        model.dispose();
      }
    });
  }

  it('leaks no tensors over training epochs (with BatchNorm and Dropout)', async () => {
    const { train, val } = smallMnistSplit(456, 100);
    for (const config of [VARIANTS[0]!.config, { ...VARIANTS[0]!.config, batchNorm: true, dropout: 0.2 }]) {
      manualSeed(1);
      const model = new CNN(config);
      const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
      const counts: number[] = [];
      const trainer = new Trainer({
        model,
        head: 'softmax',
        optimizer,
        train,
        val,
        epochs: 3,
        batchSize: 64,
        seed: 1,
        normalization: MNIST_NORMALIZATION,
        callbacks: [{ onEpochEnd: () => void counts.push(tf.memory().numTensors) }],
      });
      await trainer.fit();
      expect(counts.length).toBe(3);
      expect(counts[1]).toBe(counts[0]);
      expect(counts[2]).toBe(counts[0]);
      expect(trainer.history[2]!.train_loss).toBeLessThan(trainer.history[0]!.train_loss);
      model.dispose();
      optimizer.disposeState();
    }
  });
});

describe('cnn training-mode fast path', () => {
  it('computes the same logits and gradients channels-last (train mode) as module by module (eval mode)', async () => {
    const { backward } = await import('../../src/train/backward.js');
    manualSeed(4);
    const model = new CNN(VARIANTS[0]!.config);
    const input = new Float32Array(2 * 28 * 28);
    new Rng(6).fillUniform(input, -1, 1);
    const run = (training: boolean) => {
      model.train(training);
      model.zeroGrad();
      let logits: Float32Array = new Float32Array();
      const loss = backward(() => {
        const out = model.call(tf.tensor(input, [2, 1, 28, 28]));
        logits = out.dataSync() as Float32Array;
        return tf.sum(tf.mul(out, tf.reshape(tf.linspace(-1, 1, 20), [2, 10]))) as tf.Scalar;
      }, model.parameters());
      loss.dispose();
      return [logits, ...model.parameters().map((p) => p.grad!.dataSync() as Float32Array)];
    };
    const fast = run(true);
    const plain = run(false);
    fast.forEach((f, i) => {
      const p = plain[i]!;
      const diff = Math.max(...Array.from(f, (v, j) => Math.abs(v - p[j]!)));
      const scale = Math.max(...Array.from(p, Math.abs), 1e-6);
      expect(diff / scale, `tensor ${i}`).toBeLessThan(1e-5);
    });
    model.dispose();
  });
});
