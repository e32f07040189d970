/** Export errors name the op (module class or tfjs kernel) and the module path where it happened. */
import type { Origin } from './graph.js';

/** The readable form of a module path ('(root)' for the model itself). */
export function describePath(path: string): string {
  return path === '' ? '(root)' : `'${path}'`;
}

export class OnnxExportError extends Error {
  constructor(
    readonly origin: Origin,
    reason: string,
  ) {
    super(`ONNX export: ${origin.what} at module path ${describePath(origin.path)}: ${reason}`);
    this.name = 'OnnxExportError';
  }
}
