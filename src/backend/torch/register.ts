/**
 * Registers the `torch` backend (libtorch through twinml's addon) and its kernel table with tfjs-core. The table
 * is generic: every entry maps a tfjs kernel name to ATen operators (kernels-*.ts); `torchKernelNames()` lists it
 * for the kernel coverage test.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { TorchBackend } from './backend.js';
import { loadAddon, type TorchAddon } from './native.js';
import { TORCH } from './kernel.js';
import { elementwiseKernels } from './kernels-elementwise.js';
import { shapeKernels } from './kernels-shape.js';
import { matmulKernels } from './kernels-matmul.js';
import { convKernels } from './kernels-conv.js';
import { twinmlKernels } from './kernels-twinml.js';
import { sequenceKernels } from './kernels-sequence.js';
import { foreachKernels } from './kernels-foreach.js';
import { SCALED_DOT_PRODUCT_ATTENTION, SCALED_DOT_PRODUCT_ATTENTION_GRAD } from '../attention-kernel-names.js';

/** Every kernel of the torch backend. */
export function torchKernels(): KernelConfig[] {
  return [...elementwiseKernels(), ...shapeKernels(), ...matmulKernels(), ...convKernels(), ...twinmlKernels(), ...sequenceKernels(), ...foreachKernels()];
}

/** Kernels that run ATen's CPU-only operators: registered while the backend's device is the cpu. */
const CPU_ONLY_KERNELS = new Set([SCALED_DOT_PRODUCT_ATTENTION, SCALED_DOT_PRODUCT_ATTENTION_GRAD]);

/** Registers the CPU-only kernels on the cpu device and unregisters them elsewhere (callers then compose). */
function registerForDevice(device: string): void {
  for (const config of torchKernels()) {
    if (!CPU_ONLY_KERNELS.has(config.kernelName)) continue;
    const present = tf.getKernel(config.kernelName, TORCH) !== undefined;
    if (device === 'cpu' && !present) tf.registerKernel(config);
    else if (device !== 'cpu' && present) tf.unregisterKernel(config.kernelName, TORCH);
  }
}

/** The names of the kernels the torch backend registers. */
export function torchKernelNames(): string[] {
  return torchKernels().map((k) => k.kernelName);
}

/** Options of the torch backend. */
export interface TorchBackendOptions {
  /** 'cpu' (default), 'cuda', 'cuda:N' or 'mps'. */
  device?: string;
  /** Intra-op threads (torch.set_num_threads); default: libtorch's default (the machine's cores). */
  threads?: number;
}

let registered: TorchAddon | undefined;

/**
 * Registers the backend and its kernels once (throws with the reason and the fix when the addon is not built).
 * @returns the addon
 */
export function registerTorchBackend(): TorchAddon {
  if (registered) return registered;
  const loaded = loadAddon();
  if ('error' in loaded) throw new Error(loaded.error);
  const addon = loaded.addon;
  tf.registerBackend(TORCH, () => new TorchBackend(addon), 0);
  for (const config of torchKernels()) {
    if (tf.getKernel(config.kernelName, TORCH)) tf.unregisterKernel(config.kernelName, TORCH);
    tf.registerKernel(config);
  }
  registered = addon;
  return addon;
}

/**
 * Applies device and thread options (before tensors are created on the backend: existing tensors stay where they are).
 * @param addon - the loaded addon
 * @param options - device and threads
 */
export function configureTorch(addon: TorchAddon, options: TorchBackendOptions): void {
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new Error(`twinml torch backend: threads must be a positive integer, got ${options.threads}`);
    addon.setThreads(options.threads);
  }
  if (options.device !== undefined) {
    addon.setDevice(options.device);
    registerForDevice(addon.info().device);
  }
}
