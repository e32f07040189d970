/** onnxruntime-node's version and execution providers (for `twinml doctor`). */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface RuntimeInfo {
  version: string;
  /** Execution providers whose libraries are installed. */
  executionProviders: string[];
  /** Execution providers the binding knows but whose libraries were not installed (CUDA, TensorRT). */
  notInstalled: string[];
}

export async function inferenceRuntimeInfo(): Promise<RuntimeInfo> {
  const ort = await import('onnxruntime-node');
  const version = (require('onnxruntime-node/package.json') as { version: string }).version;
  const list = (ort as unknown as { listSupportedBackends?: () => Array<{ name: string; bundled: boolean }> }).listSupportedBackends;
  const all = list ? list() : [{ name: 'cpu', bundled: true }];
  return {
    version,
    executionProviders: all.filter((b) => b.bundled).map((b) => b.name),
    notInstalled: all.filter((b) => !b.bundled).map((b) => b.name),
  };
}
