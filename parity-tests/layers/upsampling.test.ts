/**
 * nn.ConvTranspose2d, nn.Upsample (+ UpsamplingNearest2d / UpsamplingBilinear2d), nn.PixelShuffle,
 * nn.PixelUnshuffle and their F functions against PyTorch on every available backend: output, input gradient and
 * parameter gradients under the float64 policy; extra_repr against torch's. The last test flips the transposed
 * convolution's kernel (the usual bug of a hand-written transposed convolution) and shows the suite fails.
 */
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as nn from '../../src/nn/index.js';
import * as F from '../../src/nn/functional/index.js';
import { useBackend } from '../../src/backend/index.js';
import { availableBackends, describeFailures, describeParity, expectParity, pythonAvailable } from '../support/session.js';
import { runLayerCase } from './cases.js';
import { runFunctionalCase } from './functional-cases.js';
import { UPSAMPLING_CASES, UPSAMPLING_FUNCTIONAL_CASES } from './upsampling-cases.js';

const backends = pythonAvailable || process.env.TWINML_REQUIRE_PYTHON === '1' ? await availableBackends() : [];

/** A transposed convolution that forgets to flip its kernel in space. */
class UnflippedConvTranspose2d extends nn.ConvTranspose2d {
  override forward(x: tf.Tensor): tf.Tensor {
    const w = tf.reverse(this.weight.variable, [2, 3]);
    return F.conv_transpose2d(x, w, this.bias?.variable, { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding });
  }
}

describeParity('ConvTranspose2d, Upsample, PixelShuffle and their F functions vs PyTorch', (session) => {
  it('runs on cpu, wasm and (when installed) tensorflow', () => {
    expect(backends).toEqual(expect.arrayContaining(['cpu', 'wasm']));
  });
  it("extra_repr (PyTorch's printed hyperparameters) matches for every module case", async () => {
    for (const c of UPSAMPLING_CASES) {
      const m = c.make();
      const ref = await session.py.call<{ extra_repr: string }>('module_hyperparameters', { spec: c.torch }, new Map());
      expect(`${m.typeName}(${m.extraRepr()})`, c.name).toBe(`${c.torch.type}(${ref.result.extra_repr})`);
      m.dispose();
    }
  });
  for (const backend of backends) {
    for (const c of UPSAMPLING_CASES) {
      it(`${c.name} on ${backend}`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runLayerCase(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
    }
    for (const c of UPSAMPLING_FUNCTIONAL_CASES) {
      it(`${c.name} on ${backend}`, async () => {
        await useBackend(backend);
        const before = tf.memory().numTensors;
        expectParity(await runFunctionalCase(session.py, c, backend));
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }
  it('fails when the transposed convolution does not flip its kernel', async () => {
    await useBackend('cpu');
    const c = UPSAMPLING_CASES[1]!;
    const rows = await runLayerCase(session.py, { ...c, make: () => new UnflippedConvTranspose2d(3, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }) }, 'cpu');
    expect(describeFailures(rows)).toContain('/output');
  });
});
