/**
 * Adam's element loop as a wasm SIMD128 function working in place on the tfjs wasm heap: four float32 lanes
 * per instruction, the same correctly rounded operations in the same order as optimizer-math.ts (so the
 * results are bit-identical), with sqrt and div in float32 (the JS loop pays float64 sqrt/div per element).
 */
import { emitModule, F32, I32, V128, op, wasmApi, type EmittedFunction } from './wasm-emit.js';

/** adam(p, g, m, v, outP, outM, outV, bytes, coupled, decoupledScale, weightDecay, 1-beta1, beta2, 1-beta2, bc2Sqrt, eps, stepSize) */
export type AdamSimd = (
  p: number, g: number, m: number, v: number, outP: number, outM: number, outV: number, bytes: number, coupled: number,
  decoupledScale: number, weightDecay: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
  biasCorrection2Sqrt: number, eps: number, stepSize: number,
) => void;

function adamFunction(): EmittedFunction {
  const [p, g, m, v, outP, outM, outV, bytes, coupled] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const scalars = [9, 10, 11, 12, 13, 14, 15, 16]; // decoupledScale .. stepSize
  const i = 17;
  const [vScale, vWd, vC1, vB2, vC2, vBc, vEps, vStep] = [18, 19, 20, 21, 22, 23, 24, 25];
  const [pv, gv, mv, vv] = [26, 27, 28, 29];
  const at = (base: number) => [...op.localGet(base), ...op.localGet(i), ...op.i32Add];
  const body: number[] = [];
  scalars.forEach((s, k) => body.push(...op.localGet(s), ...op.f32x4Splat, ...op.localSet(vScale + k)));
  body.push(...op.block, ...op.loop);
  body.push(...op.localGet(i), ...op.localGet(bytes), ...op.i32GeU, ...op.brIf(1));
  // p = p * decoupledScale (1 without AdamW decay: exact)
  body.push(...at(p), ...op.v128Load(), ...op.localGet(vScale), ...op.f32x4Mul, ...op.localSet(pv));
  body.push(...at(g), ...op.v128Load(), ...op.localSet(gv));
  // g = g + p * weightDecay (Adam's coupled decay)
  body.push(...op.localGet(coupled), ...op.if);
  body.push(...op.localGet(gv), ...op.localGet(pv), ...op.localGet(vWd), ...op.f32x4Mul, ...op.f32x4Add, ...op.localSet(gv));
  body.push(...op.end);
  // m = m + (g - m) * (1 - beta1)
  body.push(...at(m), ...op.v128Load(), ...op.localSet(mv));
  body.push(...op.localGet(mv), ...op.localGet(gv), ...op.localGet(mv), ...op.f32x4Sub, ...op.localGet(vC1), ...op.f32x4Mul, ...op.f32x4Add, ...op.localSet(mv));
  body.push(...at(outM), ...op.localGet(mv), ...op.v128Store());
  // v = v * beta2 + (g * g) * (1 - beta2)
  body.push(...at(v), ...op.v128Load(), ...op.localGet(vB2), ...op.f32x4Mul);
  body.push(...op.localGet(gv), ...op.localGet(gv), ...op.f32x4Mul, ...op.localGet(vC2), ...op.f32x4Mul, ...op.f32x4Add, ...op.localSet(vv));
  body.push(...at(outV), ...op.localGet(vv), ...op.v128Store());
  // p = p - (m / (sqrt(v) / bc2Sqrt + eps)) * stepSize
  body.push(...at(outP), ...op.localGet(pv), ...op.localGet(mv));
  body.push(...op.localGet(vv), ...op.f32x4Sqrt, ...op.localGet(vBc), ...op.f32x4Div, ...op.localGet(vEps), ...op.f32x4Add);
  body.push(...op.f32x4Div, ...op.localGet(vStep), ...op.f32x4Mul, ...op.f32x4Sub, ...op.v128Store());
  body.push(...op.localGet(i), ...op.i32Const(16), ...op.i32Add, ...op.localSet(i), ...op.br(0), ...op.end, ...op.end);
  return { name: 'adam', params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32], locals: [[1, I32], [12, V128]], body };
}

let bytes: Uint8Array | undefined;
const instances = new WeakMap<object, AdamSimd>();

/** The SIMD Adam loop bound to `memory` (a WebAssembly.Memory, instantiated once per memory), or null without wasm SIMD. */
export function adamSimd(memory: object): AdamSimd | null {
  const cached = instances.get(memory);
  if (cached) return cached;
  const api = wasmApi();
  bytes ??= emitModule([adamFunction()]);
  if (!api || !api.validate(bytes)) return null;
  const instance = new api.Instance(new api.Module(bytes), { env: { memory } });
  const fn = instance.exports['adam'] as AdamSimd;
  instances.set(memory, fn);
  return fn;
}
