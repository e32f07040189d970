/**
 * Which devices the torch backend can compute on here (for `twinml doctor` and the device tests): cpu always;
 * cuda when the wheel carries libtorch_cuda.so and a CUDA device answers; mps on Apple silicon with a macOS wheel.
 */
import { loadAddon } from './native.js';

/** One device's availability, and the fix when it is missing. */
export interface TorchDeviceStatus {
  device: 'cpu' | 'cuda' | 'mps';
  available: boolean;
  detail: string;
}

/**
 * Probes cuda and mps (loads libtorch_cuda.so when the wheel has it: a few seconds).
 * @returns one entry per device, or an empty list when the addon is not built
 */
export function torchDevices(): TorchDeviceStatus[] {
  const loaded = loadAddon();
  if ('error' in loaded) return [];
  const d = loaded.addon.devices();
  return [
    { device: 'cpu', available: true, detail: 'always' },
    {
      device: 'cuda',
      available: d.cuda,
      detail: d.cuda
        ? 'CUDA kernels and a device present: --backend torch --device cuda'
        : d.cudaKernels
          ? 'this torch wheel has CUDA kernels but no CUDA device/driver answers here'
          : 'this torch wheel has no CUDA kernels: install a CUDA wheel of torch (docs/gpu.md), then npx twinml setup torch --force',
    },
    {
      device: 'mps',
      available: d.mps,
      detail: d.mps ? 'Metal (MPS) present: --backend torch --device mps' : 'only on Apple silicon with the macOS torch wheel (docs/gpu.md)',
    },
  ];
}
