/**
 * The SIMD helper kernels are emitted by wasm-emit.ts (the one way twinml writes wasm). Their callers fall back to
 * JS when the module cannot be instantiated, so this checks that it validates and exports every kernel, on the
 * wasm backend's own memory.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { simdKernelModule } from '../../src/backend/wasm/simd/kernel-functions.js';
import { simdKernelsFor } from '../../src/backend/wasm/simd/simd-kernels.js';
import { wasmApi } from '../../src/backend/wasm/wasm-emit.js';
import { withBackend } from '../helpers/backend.js';

describe('SIMD kernel module', () => {
  it('validates and binds all six kernels to the wasm backend', async () => {
    expect(wasmApi()!.validate(simdKernelModule())).toBe(true);
    await withBackend('wasm');
    const kernels = simdKernelsFor(tf.backend());
    expect(kernels).not.toBeNull();
    for (const name of ['maxPool2x2Grad', 'columnSum', 'reluBackward', 'im2colTap', 'gemmSmallOut', 'im2colTapSame']) {
      expect(typeof (kernels as unknown as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
