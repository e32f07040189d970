/**
 * Loads the `torch` backend's N-API addon (native/torch-backend, built by `npm run setup:torch` against the
 * .venv's torch wheel) and describes its functions. The addon keeps libtorch tensors in a table indexed by
 * integer ids; arguments travel through one shared Float64Array and results are described in one shared
 * Int32Array, so a kernel call allocates no JS object beyond the TensorInfo tfjs needs.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/paths.js';

/** The addon's exports (native/torch-backend/addon.cc, fused.cc). */
export interface TorchAddon {
  setBuffers(meta: Int32Array, args: Float64Array): void;
  /** Resolves an ATen operator (`aten::add`, overload `Tensor`) once; returns its handle. */
  opHandle(name: string, overload: string): number;
  /** Interns a string argument (e.g. GELU's 'tanh'); returns its index for the argument buffer. */
  intern(value: string): number;
  /** Calls operator `handle` with `given` arguments from the argument buffer; returns the number of outputs. */
  call(handle: number, given: number): number;
  /** Copies host values into a new tensor of ScalarType `scalarType`, dims in meta[0..rank); returns its id. */
  upload(values: Float32Array | Int32Array | Uint8Array, scalarType: number, rank: number): number;
  download(id: number): Float32Array | Int32Array | Uint8Array;
  free(id: number): void;
  /** Tensors held in the addon's table. */
  liveCount(): number;
  setThreads(n: number): void;
  getThreads(): number;
  setDevice(device: string): void;
  devices(): { cuda: boolean; cudaKernels: boolean; mps: boolean };
  info(): { torch: string; device: string; parallel: string };
  adamStep(): number;
  sgdStep(): number;
  crossEntropy(): number;
  maxPool(): number;
  maxPoolGrad(): number;
  /** args[0] = id of an NCHW tensor: outputs it as a channels_last tensor whose strides say so (fused.cc). */
  channelsLast(): number;
  /** args [x NHWC, kh, kw]: max pooling with stride = kernel, no padding, on the NHWC tensor (fused.cc). */
  maxPoolNhwc(): number;
  /** args [dy, x, kh, kw, output id | -1]: its gradient, with the window positions kept for that output. */
  maxPoolNhwcGrad(): number;
}

/** Where `npm run setup:torch` puts the addon. */
export function addonPath(): string {
  return join(packageRoot(), 'native', 'torch-backend', 'build', 'twinml_torch.node');
}

let loaded: { addon: TorchAddon } | { error: string } | undefined;

/** Loads the addon once; the error names the fix when it is not built or does not load. */
export function loadAddon(): { addon: TorchAddon } | { error: string } {
  if (loaded) return loaded;
  const path = addonPath();
  if (!existsSync(path)) {
    loaded = { error: `the torch addon is not built (${path} is missing)` };
    return loaded;
  }
  try {
    loaded = { addon: createRequire(import.meta.url)(path) as TorchAddon };
  } catch (e) {
    loaded = { error: `the torch addon at ${path} does not load: ${(e as Error).message.split('\n')[0]}` };
  }
  return loaded;
}

/** c10::ScalarType codes of the dtypes tfjs has (the addon casts every result to one of them). */
export const SCALAR_TYPE = { float32: 6, int32: 3, bool: 11 } as const;
/** c10::ScalarType code of int64 (index arguments some ATen operators require). */
export const SCALAR_TYPE_INT64 = 4;

/** tfjs dtype of a c10::ScalarType code from the addon's meta buffer. */
export function dtypeOf(code: number): 'float32' | 'int32' | 'bool' {
  if (code === SCALAR_TYPE.float32) return 'float32';
  if (code === SCALAR_TYPE.int32) return 'int32';
  if (code === SCALAR_TYPE.bool) return 'bool';
  throw new Error(`twinml torch backend: unexpected result ScalarType ${code}`);
}
