/**
 * Relaxed SIMD for twinml's generated wasm kernels: f32x4.relaxed_madd is a fused multiply-add on x86 CPUs with
 * FMA, and the GEMM built on it runs at 42.7 GFLOP/s against 34.7 with SIMD128's mul + add (MLP training step
 * 2.63 -> 2.28 ms, `node bench/wasm-mlp-bound.mjs`). Node 22+ ships relaxed SIMD; Node 20 and 21 (V8 11) have it
 * behind --experimental-wasm-relaxed-simd, which twinml turns on at run time through v8.setFlagsFromString
 * before it compiles its first kernel. The flag only lets the engine accept more instructions (modules compiled
 * earlier, such as tfjs-wasm's, are untouched). configure({ wasmRelaxedSimd: false }) (or TWINML_WASM_RELAXED_SIMD=0)
 * keeps plain SIMD128.
 */
import { setFlagsFromString } from 'node:v8';
import { settings } from '../../util/settings.js';
import { emitModule, V128, op, wasmApi, type EmittedFunction } from './wasm-emit.js';

export type RelaxedSimdStatus =
  /** The engine ships relaxed SIMD (Node 22+) or was started with the flag. */
  | 'available'
  /** Turned on by twinml at run time (Node 20/21). */
  | 'enabled at run time'
  /** Turned off with configure({ wasmRelaxedSimd: false }) or TWINML_WASM_RELAXED_SIMD=0. */
  | 'off (wasmRelaxedSimd: false)'
  /** The engine has no relaxed SIMD even with the flag. */
  | 'unavailable';

let status: RelaxedSimdStatus | undefined;

function validates(): boolean {
  const api = wasmApi();
  const probe = { name: 'f', params: [V128, V128, V128], locals: [], body: [...op.localGet(0), ...op.localGet(1), ...op.localGet(2), ...op.f32x4RelaxedMadd, ...op.drop] };
  return !!api && api.validate(emitModule([probe as EmittedFunction]));
}

/** How relaxed SIMD stands in this process (decided once, on first use). */
export function relaxedSimdStatus(): RelaxedSimdStatus {
  if (status === undefined) {
    if (!settings().wasmRelaxedSimd) status = 'off (wasmRelaxedSimd: false)';
    else if (validates()) status = 'available';
    else {
      const major = Number(process.versions.node.split('.')[0]);
      if (major === 20 || major === 21) setFlagsFromString('--experimental-wasm-relaxed-simd');
      status = validates() ? 'enabled at run time' : 'unavailable';
    }
  }
  return status;
}

/** Whether generated kernels may use f32x4.relaxed_madd. */
export function hasRelaxedSimd(): boolean {
  const s = relaxedSimdStatus();
  return s === 'available' || s === 'enabled at run time';
}
