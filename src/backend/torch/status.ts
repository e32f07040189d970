/** The torch backend's entry in backend selection (src/backend/index.ts): its status line and its options. */
import type { BackendOptions, BackendStatus } from '../index.js';
import { addonPath, loadAddon } from './native.js';
import { configureTorch, registerTorchBackend } from './register.js';

const FIX = "npx twinml setup torch (builds twinml's libtorch addon against the torch wheel of a Python that imports torch, or --python PATH; in a clone of twinml: npm run setup:torch after npm run setup); needs g++ and Node's headers";

/** Whether the addon loads, with libtorch's version, device and threads. */
export function torchStatus(): BackendStatus {
  const loaded = loadAddon();
  if ('error' in loaded) return { name: 'torch', available: false, reason: loaded.error, fix: FIX };
  try {
    const addon = registerTorchBackend();
    const info = addon.info();
    return { name: 'torch', available: true, detail: `libtorch ${info.torch} (${addonPath()}), device ${info.device}, ${addon.getThreads()} threads` };
  } catch (e) {
    return { name: 'torch', available: false, reason: (e as Error).message, fix: FIX };
  }
}

/**
 * Applies backend options: device and threads go to the torch backend; other backends reject them.
 * @param name - the backend being started
 * @param options - device and threads
 */
export function configureBackend(name: string, options: BackendOptions): void {
  const given = Object.entries(options).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (given.length === 0) return;
  if (name !== 'torch') throw new Error(`twinml: --${given.join(' and --')} apply to the torch backend only (backend is ${name})`);
  configureTorch(registerTorchBackend(), options);
}
