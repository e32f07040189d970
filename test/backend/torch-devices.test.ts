/**
 * The torch backend on its GPU devices: a training step of the zoo cnn (conv, pooling, fused Adam, cross-entropy)
 * on cuda and on mps gives the cpu result within float32 tolerance, and tensors come back to the host. Each device
 * is skipped with one line when it is not present (no GPU here: the CUDA wheel's kernels load, no device answers).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../src/backend/index.js';
import { torchDevices } from '../../src/backend/torch/devices.js';
import { relativeError } from './helpers.js';
import { torchAvailable, zooTrainer } from './torch-helpers.js';

const devices = torchAvailable ? torchDevices() : [];

/** Loss of two Adam steps and the final weights of the zoo cnn on `device`. */
async function trainOn(device: string): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await useBackend('torch', { device });
  const t = zooTrainer('cnn', 9, 'adam', 8);
  const losses = [t.step(), t.step()];
  const weights = t.weights();
  t.dispose();
  return { losses, weights };
}

describe('torch backend GPU devices', () => {
  for (const device of ['cuda', 'mps'] as const) {
    const status = devices.find((d) => d.device === device);
    const present = status?.available === true;
    const title = present ? `${device}: a cnn training step matches cpu` : `${device} SKIPPED: ${status?.detail ?? 'torch addon not built (npm run setup:torch)'}`;
    (present ? it : it.skip)(title, async () => {
      try {
        const gpu = await trainOn(device);
        const cpu = await trainOn('cpu');
        gpu.losses.forEach((l, i) => expect(Math.abs(l - cpu.losses[i]!)).toBeLessThan(1e-4));
        cpu.weights.forEach((w, i) => expect(relativeError(gpu.weights[i]!, w), `parameter ${i}`).toBeLessThan(1e-4));
      } finally {
        await useBackend('torch', { device: 'cpu' });
        await useBackend('cpu');
      }
    });
  }

  it.runIf(torchAvailable)('rejects an unknown device with the valid choices', async () => {
    await expect(useBackend('torch', { device: 'tpu' })).rejects.toThrow(/cpu, cuda\[:N\] or mps|Expected one of|device/);
    await expect(useBackend('cpu', { threads: 2 })).rejects.toThrow(/torch backend only/);
  });
});
