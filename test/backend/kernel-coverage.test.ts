/**
 * Kernel coverage: forward and gradient (random cotangent) of every src/nn module on every backend that loads,
 * compared with the cpu backend. A kernel missing on a backend makes the run throw; a wrong one makes the
 * comparison fail (both shown below by unregistering or corrupting one of twinml's wasm kernels).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { availableBackends, onBackend, relativeError } from './helpers.js';
import { MODULE_CASES, runModuleCase, type ModuleCase } from './module-cases.js';
import { useBackend, type BackendName } from '../../src/backend/index.js';

const backends = (await availableBackends()).filter((b) => b !== 'cpu');

async function compareWithCpu(backend: BackendName, c: ModuleCase, tolerance = 1e-5): Promise<void> {
  const want = await onBackend('cpu', () => runModuleCase(c));
  const got = await onBackend(backend, () => runModuleCase(c));
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const label = i === 0 ? 'output' : i === 1 ? 'input grad' : `tensor ${i}`;
    expect(relativeError(got[i]!, w), `${backend} ${c.name} ${label}`).toBeLessThanOrEqual(tolerance);
  });
}

describe('kernel coverage of src/nn modules', () => {
  it('includes wasm', () => {
    expect(backends).toContain('wasm');
  });

  for (const backend of backends) {
    for (const c of MODULE_CASES) {
      it(`${backend}: ${c.name} matches cpu (forward and gradients)`, async () => {
        await compareWithCpu(backend, c);
      });
    }
  }

  it('leaks no tensors (forward + backward of every module, twice, on every backend)', async () => {
    for (const backend of [...backends, 'cpu' as const]) {
      await useBackend(backend);
      const run = () => MODULE_CASES.forEach((c) => tf.dispose(runModuleCase(c)));
      run();
      const before = tf.memory().numTensors;
      run();
      expect(tf.memory().numTensors, backend).toBe(before);
    }
  });
});

describe('the coverage check catches broken wasm kernels', () => {
  const conv = MODULE_CASES.find((c) => c.name.startsWith("Conv2d 3x2 padding 'same'"))!;
  const pool = MODULE_CASES.find((c) => c.name === 'MaxPool2d(2)')!;
  const saved: KernelConfig[] = [];

  afterAll(() => {
    for (const k of saved) {
      if (tf.getKernel(k.kernelName, k.backendName)) tf.unregisterKernel(k.kernelName, k.backendName);
      tf.registerKernel(k);
    }
  });

  it('fails when twinml Conv2DBackpropFilter is unregistered from wasm, and passes again once re-registered', async () => {
    await useBackend('wasm');
    const kernel = tf.getKernel('Conv2DBackpropFilter', 'wasm')!;
    saved.push(kernel);
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    await expect(compareWithCpu('wasm', conv)).rejects.toThrow(/Conv2DBackpropFilter/);
    tf.registerKernel(kernel);
    saved.pop();
    await compareWithCpu('wasm', conv);
  });

  it('fails when twinml MaxPoolGrad on wasm computes a wrong gradient', async () => {
    await useBackend('wasm');
    const kernel = tf.getKernel('MaxPoolGrad', 'wasm')!;
    saved.push(kernel);
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    // Wrong on purpose: the right dx scaled by 1.001.
    const wrong: KernelFunc = (args) => {
      const dx = (kernel.kernelFunc as KernelFunc)(args) as TensorInfo;
      const scaled = tf.getKernel('Multiply', 'wasm')!.kernelFunc({ inputs: { a: dx, b: tf.scalar(1.001) }, backend: args.backend, attrs: {} }) as TensorInfo;
      (args.backend as tf.KernelBackend).disposeData(dx.dataId);
      return scaled;
    };
    tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: wrong });
    await expect(compareWithCpu('wasm', pool)).rejects.toThrow(/input grad/);
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel(kernel);
    saved.pop();
    await compareWithCpu('wasm', pool);
  });
});
