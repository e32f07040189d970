/**
 * The `torch` backend (libtorch through twinml's addon, `npm run setup:torch`): every kernel the library uses is
 * registered (listed by name when one is missing), no tensor leaks on the tfjs side or in the addon's native
 * table over training steps, and the same seed and thread count give bit-identical weights.
 * The kernel-by-kernel comparison with cpu is test/backend/kernel-coverage.test.ts (it includes torch).
 * Skipped with one line when the addon is not built.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { torchKernelNames } from '../../src/backend/torch/register.js';
import type { TorchBackend } from '../../src/backend/torch/backend.js';
import { MODULE_CASES, runModuleCase } from './module-cases.js';
import { kernelsRunBy } from './helpers.js';
import { otherLosses, torchAvailable, torchTitle, zooTrainer } from './torch-helpers.js';

/** Kernels of the module cases, the zoo mlp/cnn training steps (Adam and SGD) and the other losses. */
function libraryKernels(): Set<string> {
  return kernelsRunBy(() => {
    for (const c of MODULE_CASES) tf.dispose(runModuleCase(c));
    for (const [name, optimizer] of [['mlp', 'adam'], ['cnn', 'sgd']] as const) {
      const t = zooTrainer(name, 3, optimizer, 4);
      t.step();
      t.step();
      t.dispose();
    }
    otherLosses();
    // src/parity/pair sums several outputs' cotangent products with tf.addN.
    tf.dispose(tf.addN([tf.ones([2, 3]), tf.fill([2, 3], 2), tf.fill([2, 3], 4)]));
  });
}

const run = torchAvailable ? describe : describe.skip;

run(torchTitle('torch backend'), () => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('registers every kernel the library runs (on cpu: module cases, zoo training steps, losses)', async () => {
    await useBackend('cpu');
    const used = [...libraryKernels()].sort();
    await useBackend('torch');
    const missing = used.filter((name) => !tf.getKernel(name, 'torch'));
    expect(used.length).toBeGreaterThan(20);
    expect(missing, `kernels the torch backend lacks: ${missing.join(', ')}`).toEqual([]);
  });

  it('AddN sums its inputs as the cpu backend does', async () => {
    const terms = [[1.5, -2, 3], [0.25, 4, -8], [1e-3, 7, 0.5]];
    const sum = async () => Array.from(tf.tidy(() => tf.addN(terms.map((t) => tf.tensor(t)))).dataSync());
    await useBackend('cpu');
    const expected = await sum();
    await useBackend('torch');
    expect(await sum()).toEqual(expected);
  });

  it('runs the same kernels on torch without an unregistered one (a zoo cnn step on torch itself)', async () => {
    await useBackend('torch');
    const used = [...kernelsRunBy(() => {
      const t = zooTrainer('cnn', 5, 'adam', 4);
      t.step();
      t.dispose();
    })];
    const registered = new Set(torchKernelNames());
    expect(used.filter((name) => !registered.has(name))).toEqual([]);
  });

  it('keeps numTensors, numDataIds and the addon-side tensor count flat over training steps', async () => {
    await useBackend('torch');
    const backend = tf.backend() as unknown as TorchBackend;
    const t = zooTrainer('cnn', 11, 'adam', 8);
    t.step();
    t.step();
    const before = { tensors: tf.memory().numTensors, dataIds: backend.numDataIds(), native: backend.nativeTensorCount() };
    for (let i = 0; i < 4; i++) t.step();
    const after = { tensors: tf.memory().numTensors, dataIds: backend.numDataIds(), native: backend.nativeTensorCount() };
    expect(after).toEqual(before);
    t.dispose();
  });

  it('keeps tf.memory(), the native tensor count and RSS flat over 10 epochs of a small run', async () => {
    await useBackend('torch', { threads: 1 });
    const backend = tf.backend() as unknown as TorchBackend;
    const t = zooTrainer('mlp', 13, 'adam', 32);
    const snapshot = () => ({ tensors: tf.memory().numTensors, dataIds: backend.numDataIds(), native: backend.nativeTensorCount() });
    const rss: number[] = [];
    let first: ReturnType<typeof snapshot> | null = null;
    for (let epoch = 0; epoch < 10; epoch++) {
      for (let i = 0; i < 20; i++) t.step();
      first ??= snapshot();
      expect(snapshot(), `epoch ${epoch + 1}`).toEqual(first);
      rss.push(process.memoryUsage().rss);
    }
    t.dispose();
    // after two warm-up epochs (allocator pools filled) RSS grows by less than 32 MB over eight more
    expect((rss[9]! - rss[1]!) / 2 ** 20).toBeLessThan(32);
  });

  it('gives bit-identical weights for the same seed and thread count (mlp, 4 Adam steps, 1 thread)', async () => {
    const train = async (): Promise<{ losses: number[]; weights: Float32Array[] }> => {
      await useBackend('torch', { threads: 1 });
      const t = zooTrainer('mlp', 21, 'adam', 16);
      const losses = [t.step(), t.step(), t.step(), t.step()];
      const weights = t.weights();
      t.dispose();
      return { losses, weights };
    };
    const a = await train();
    const b = await train();
    expect(b.losses).toEqual(a.losses);
    a.weights.forEach((w, i) => expect(Buffer.from(b.weights[i]!.buffer).equals(Buffer.from(w.buffer)), `parameter ${i}`).toBe(true));
    // and the weights moved (the comparison is not between untouched initial weights)
    const fresh = zooTrainer('mlp', 21, 'adam', 16);
    expect(Buffer.from(fresh.weights()[0]!.buffer).equals(Buffer.from(a.weights[0]!.buffer))).toBe(false);
    fresh.dispose();
  });
});
