/**
 * Every kernel twinml adds to or replaces in the wasm backend. Called once when the wasm backend is chosen.
 */
import { registerFastBatchMatMul } from './fast-batch-matmul.js';

export function registerWasmKernels(): void {
  registerFastBatchMatMul();
}
