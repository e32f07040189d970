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
  const saved: KernelConfig[] = [];
  const find = (name: string) => MODULE_CASES.find((c) => c.name === name || c.name.startsWith(name))!;

  afterAll(() => {
    for (const k of saved) {
      if (tf.getKernel(k.kernelName, k.backendName)) tf.unregisterKernel(k.kernelName, k.backendName);
      tf.registerKernel(k);
    }
  });

  // The NHWC kernels serve strided convolutions and other pooling windows; the NCHW ones stride 1 and 2x2 windows.
  for (const [kernelName, caseName] of [
    ['Conv2DBackpropFilter', 'Conv2d stride (2,1) padding (1,0) no bias'],
    ['TwinmlConv2DNCHWBackpropFilter', "Conv2d 3x2 padding 'same'"],
  ] as const) {
    it(`fails when twinml ${kernelName} is unregistered from wasm, and passes again once re-registered`, async () => {
      await useBackend('wasm');
      const conv = find(caseName);
      const kernel = tf.getKernel(kernelName, 'wasm')!;
      saved.push(kernel);
      tf.unregisterKernel(kernelName, 'wasm');
      await expect(compareWithCpu('wasm', conv)).rejects.toThrow(new RegExp(kernelName));
      tf.registerKernel(kernel);
      saved.pop();
      await compareWithCpu('wasm', conv);
    });
  }

  for (const [kernelName, caseName] of [
    ['MaxPoolGrad', 'MaxPool2d(3, 2, 1, ceil_mode)'],
    ['TwinmlMaxPool2x2NCHWGrad', 'MaxPool2d(2)'],
  ] as const) {
    it(`fails when twinml ${kernelName} on wasm computes a wrong gradient`, async () => {
      await useBackend('wasm');
      const pool = find(caseName);
      const kernel = tf.getKernel(kernelName, 'wasm')!;
      saved.push(kernel);
      tf.unregisterKernel(kernelName, 'wasm');
      // Wrong on purpose: the right dx scaled by 1.001.
      const wrong: KernelFunc = (args) => {
        const dx = (kernel.kernelFunc as KernelFunc)(args) as TensorInfo;
        const scaled = tf.getKernel('Multiply', 'wasm')!.kernelFunc({ inputs: { a: dx, b: tf.scalar(1.001) }, backend: args.backend, attrs: {} }) as TensorInfo;
        (args.backend as tf.KernelBackend).disposeData(dx.dataId);
        return scaled;
      };
      tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: wrong });
      await expect(compareWithCpu('wasm', pool)).rejects.toThrow(/input grad/);
      tf.unregisterKernel(kernelName, 'wasm');
      tf.registerKernel(kernel);
      saved.pop();
      await compareWithCpu('wasm', pool);
    });
  }
});
