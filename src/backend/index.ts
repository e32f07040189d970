/**
 * Chooses and starts the tfjs backend: `torch` (libtorch through twinml's addon, built by `npm run setup:torch`),
 * `tensorflow` (tfjs-node / tfjs-node-gpu, an optional peer), `wasm` (the embedded default) or `cpu`. Asking for an
 * unavailable backend is an error, never a silent fallback.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerTwinmlGradients } from './gradients.js';
import { createRequire } from 'node:module';
import { settings } from '../util/settings.js';
import { assertPinnedVersions, PinnedVersionError } from './versions.js';

/** The compute backends: 'torch' (libtorch addon, optional), 'tensorflow' (tfjs-node, optional), 'wasm' (embedded) and 'cpu' (plain JS). */
export type BackendName = 'torch' | 'tensorflow' | 'wasm' | 'cpu';
/** A backend, or 'auto' for the fastest available (torch, then tensorflow, then wasm, then cpu). */
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'torch', 'tensorflow', 'wasm', 'cpu'];
/** Every backend, in the order `auto` prefers them. */
const BACKEND_ORDER = ['torch', 'tensorflow', 'wasm', 'cpu'] as const;

/** Options of the backend being started (only the torch backend takes them). */
export interface BackendOptions {
  /** torch: 'cpu' (default), 'cuda', 'cuda:N' or 'mps'. */
  device?: string;
  /** torch: intra-op threads (torch.set_num_threads semantics); default libtorch's (the machine's cores). */
  threads?: number;
}

/** Whether a backend can run here, and what it is. */
export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Version or capability details when available (package version, SIMD, threads). */
  detail?: string;
  /** Why it is unavailable. */
  reason?: string;
  /** What would make it available. */
  fix?: string;
}

const require = createRequire(import.meta.url);
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function packageVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

let tensorflowLoad: Promise<{ pkg: string } | { error: string }> | undefined;

/** Imports tfjs-node(-gpu) once; the import registers the `tensorflow` backend with tfjs-core. */
function loadTensorflow(): Promise<{ pkg: string } | { error: string }> {
  tensorflowLoad ??= (async () => {
    const errors: string[] = [];
    for (const pkg of TENSORFLOW_PACKAGES) {
      if (!packageVersion(pkg)) {
        errors.push(`${pkg} is not installed`);
        continue;
      }
      try {
        assertPinnedVersions(pkg);
        // libtensorflow reads these two from the environment only, when it loads: the only environment writes in
        // twinml besides pythonia's PYTHON_BIN (see src/util/settings.ts).
        // TensorFlow's C++ logging prints CPU-feature notices on load; keep them out unless asked (settings.nativeLogs,
        // `--verbose`); a TF_CPP_MIN_LOG_LEVEL the user set wins.
        if (!settings().nativeLogs) process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
        // oneDNN kernels for MatMul, Conv2D and their gradients: the wheel turns them on by default only on CPUs with
        // AVX-512 VNNI/BF16/AMX; on AVX2 they shorten the zoo training steps by 10-20% (twinml bench tensorflow-ops,
        // docs/performance-tensorflow.md). Read once, when TensorFlow loads, which then logs one "oneDNN custom
        // operations are on" line (not silenced by TF_CPP_MIN_LOG_LEVEL; the CLI filters it
        // unless --verbose). settings.tensorflowOneDnn = false (or TF_ENABLE_ONEDNN_OPTS=0) keeps Eigen.
        process.env.TF_ENABLE_ONEDNN_OPTS = settings().tensorflowOneDnn ? '1' : '0';
        await import(pkg);
        // tfjs-node's import registers tfjs's gradients again: put twinml's (Relu, Softmax) back.
        registerTwinmlGradients();
        const { registerTensorflowKernels } = await import('./tensorflow/register.js');
        registerTensorflowKernels();
        return { pkg };
      } catch (e) {
        errors.push(e instanceof PinnedVersionError ? `${e.message} (fix: ${e.fix})` : `${pkg} failed to load: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    return { error: errors.join('; ') };
  })();
  return tensorflowLoad;
}

/** TensorFlow's own version (`TF_Version()` of the loaded libtensorflow), read from tfjs-node's backend binding. */
function tensorflowVersion(): string | undefined {
  const backend = tf.findBackend('tensorflow') as unknown as { binding?: { TF_Version?: unknown } } | null;
  const version = backend?.binding?.TF_Version;
  return typeof version === 'string' ? version : undefined;
}

let wasmLoad: Promise<void> | undefined;
function loadWasm(): Promise<void> {
  wasmLoad ??= (async () => {
    assertPinnedVersions('@tensorflow/tfjs-backend-wasm');
    await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmKernels } = await import('./wasm/register.js');
    registerWasmKernels();
  })();
  return wasmLoad;
}

let cpuLoad: Promise<void> | undefined;
function loadCpu(): Promise<void> {
  cpuLoad ??= (async () => {
    assertPinnedVersions('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-backend-cpu');
  })();
  return cpuLoad;
}

async function statusOf(name: BackendName): Promise<BackendStatus> {
  if (name === 'torch') {
    const { torchStatus } = await import('./torch/status.js');
    return torchStatus();
  }
  if (name === 'tensorflow') {
    const loaded = await loadTensorflow();
    if ('pkg' in loaded) {
      const oneDnn = settings().tensorflowOneDnn ? 'on' : 'off';
      const detail = `${loaded.pkg} ${packageVersion(loaded.pkg)}, TensorFlow ${tensorflowVersion() ?? 'version unknown'}, oneDNN ${oneDnn}`;
      return { name, available: true, detail };
    }
    return {
      name,
      available: false,
      reason: loaded.error,
      fix: 'npm run setup:tensorflow (builds @tensorflow/tfjs-node against the tensorflow-cpu wheel from PyPI; see docs/gpu.md for CUDA)',
    };
  }
  if (name === 'wasm') {
    try {
      await loadWasm();
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('tf.setBackend("wasm") returned false');
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
      const { relaxedSimdStatus } = await import('./wasm/relaxed-simd.js');
      const kernels = `twinml kernels: relaxed SIMD (FMA) ${relaxedSimdStatus()}`;
      return { name, available: true, detail: `@tensorflow/tfjs-backend-wasm ${packageVersion('@tensorflow/tfjs-backend-wasm')}, SIMD ${simd ? 'on' : 'off'}, ${threads ? 'multi-threaded' : 'single-threaded'}; ${kernels}` };
    } catch (e) {
      return { name, available: false, reason: (e as Error).message, fix: e instanceof PinnedVersionError ? e.fix : 'npm install @tensorflow/tfjs-backend-wasm' };
    }
  }
  try {
    await loadCpu();
    const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
    if (cpu) cpu.firstUse = false; // silences its 'install tfjs-node' banner: `twinml doctor` says that better
    return { name, available: true, detail: `@tensorflow/tfjs-backend-cpu ${packageVersion('@tensorflow/tfjs-backend-cpu')}` };
  } catch (e) {
    return { name, available: false, reason: (e as Error).message, fix: e instanceof PinnedVersionError ? e.fix : 'npm install @tensorflow/tfjs-backend-cpu' };
  }
}

/** Checks every backend (this initialises the ones that load). */
export async function probeBackends(): Promise<BackendStatus[]> {
  const previous = tf.getBackend();
  const statuses: BackendStatus[] = [];
  for (const name of BACKEND_ORDER) statuses.push(await statusOf(name));
  if (previous && tf.findBackend(previous)) await tf.setBackend(previous);
  return statuses;
}

/** The backend `auto` resolves to: torch when its addon is built, else tensorflow when tfjs-node loads, else wasm, else cpu. */
export async function resolveAuto(): Promise<BackendName> {
  for (const name of BACKEND_ORDER) {
    if ((await statusOf(name)).available) return name;
  }
  throw new Error('twinml: no tfjs backend is available (torch, tensorflow, wasm and cpu all failed to load)');
}

/**
 * Starts the chosen backend and makes it tfjs's current one.
 * @param choice - `auto`, `torch`, `tensorflow`, `wasm` or `cpu`
 * @param options - device and threads (torch only; an error on other backends)
 * @returns the backend actually in use
 */
export async function useBackend(choice: BackendChoice = 'auto', options: BackendOptions = {}): Promise<BackendName> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new Error(`twinml: unknown backend "${choice}"; choose one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const name = choice === 'auto' ? await resolveAuto() : choice;
  const status = await statusOf(name);
  if (!status.available) {
    throw new Error(`twinml: backend "${name}" is not available: ${status.reason}.${status.fix ? ` Fix: ${status.fix}` : ''}`);
  }
  const { configureBackend } = await import('./torch/status.js');
  configureBackend(name, options);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`twinml: backend "${name}" failed to initialise`);
  await tf.ready();
  return name;
}

export { tf };
