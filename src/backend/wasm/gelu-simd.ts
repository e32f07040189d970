/**
 * GELU and its gradient as wasm SIMD128 loops over float32 arrays on the tfjs wasm heap (gelu-kernels.ts registers
 * them as TwinmlGelu / TwinmlGeluGrad). The formulas are PyTorch's CPU kernels (aten/src/ATen/native/cpu/
 * Activation.cpp, GeluKernelImpl and GeluBackwardKernelImpl), in the same order of operations:
 *   - 'none':  y = (x·0.5)·(1 + erf(x·√½));   dx = dy·(cdf + x·pdf), cdf = 0.5·(1 + erf(x·√½)), pdf = exp(-x²/2)/√(2π)
 *   - 'tanh':  y = 0.5·x·(1 + tanh(inner)), inner = √(2/π)·(x + 0.044715·x³);
 *              dx = dy·(0.5·(1 + t) + 0.5·x·(1 - t²)·√(2/π)·(1 + 3·0.044715·x²)), t = tanh(inner).
 * erf and tanh are rational approximations on a clamped range (Eigen's float erf on [-4, 4] and tanh on ±7.905,
 * where float32 saturates; measured against float64: erf within 4.2e-7 absolute, tanh within 3.3e-7 relative),
 * exp is Cephes' expf (range reduction by ln 2, degree-6 polynomial, 2^n built in the exponent bits; 7.7e-8
 * relative). Each function handles a multiple of 4 floats; the caller runs the last n % 4 through a padded copy.
 */
import { block, emitModule, f32c, fold, get, I32, i32c, loop, op, set, V128, wasmApi, type EmittedFunction } from './wasm-emit.js';

/** GELU's approximation, as PyTorch's `approximate` argument. */
export type GeluApproximate = 'none' | 'tanh';

/** gelu(x, y, bytes): y = gelu(x) over `bytes` bytes (a multiple of 16); byte offsets on the heap. */
export type GeluSimd = (x: number, y: number, bytes: number) => void;
/** geluGrad(dy, x, dx, bytes): dx = dy·gelu'(x) over `bytes` bytes (a multiple of 16); byte offsets. */
export type GeluGradSimd = (dy: number, x: number, dx: number, bytes: number) => void;

export interface GeluSimdFunctions {
  gelu: Record<GeluApproximate, GeluSimd>;
  geluGrad: Record<GeluApproximate, GeluGradSimd>;
}

/**
 * The constants of the function being built: each distinct value is splatted once into a v128 local before the
 * loop (a splat inside the loop costs two instructions per use, about 40 uses per vector of GELU's gradient).
 */
let constants: { base: number; locals: Map<number, number> } | null = null;
/** A vector of v in every lane (a pooled local while a function is being built). */
const splat = (v: number): number[] => {
  if (!constants) return fold(op.f32x4Splat, f32c(v));
  let local = constants.locals.get(v);
  if (local === undefined) constants.locals.set(v, (local = constants.base + constants.locals.size));
  return get(local);
};
const mul = (a: number[], b: number[]) => fold(op.f32x4Mul, a, b);
const add = (a: number[], b: number[]) => fold(op.f32x4Add, a, b);
const sub = (a: number[], b: number[]) => fold(op.f32x4Sub, a, b);
const clamp = (a: number[], lo: number, hi: number) => fold(op.f32x4Max, fold(op.f32x4Min, a, splat(hi)), splat(lo));
/** Horner's rule: ((c0·s + c1)·s + c2)... with s a local. */
const horner = (s: number, coefficients: number[]) => coefficients.slice(1).reduce((p, c) => add(mul(p, get(s)), splat(c)), splat(coefficients[0]!));

/** Eigen's float erf: x·P(x²)/Q(x²) on x clamped to [-4, 4]. */
export const ERF_P = [-2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2];
export const ERF_Q = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];
const TANH_P = [-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11, 5.12229709037114e-8, 1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3];
const TANH_Q = [1.19825839466702e-6, 1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3];
const TANH_LIMIT = 7.90531110763549805;
const EXP_P = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** Scratch locals of the math below (after the function's own). */
interface Scratch {
  t: number;
  s: number;
  r: number;
}

/** Code leaving erf(v) on the stack (v: code of a vector), using locals t and s. */
function erf(v: number[], { t, s }: Scratch): number[] {
  return [
    set(t, clamp(v, -4, 4)),
    set(s, mul(get(t), get(t))),
    fold(op.f32x4Div, mul(get(t), horner(s, ERF_P)), horner(s, ERF_Q)),
  ].flat();
}

/** Code leaving tanh(v) on the stack (v: code of a vector, evaluated once), using locals t, s and r. */
function tanh(v: number[], { t, s, r }: Scratch): number[] {
  return [
    set(r, v),
    set(t, clamp(get(r), -TANH_LIMIT, TANH_LIMIT)),
    set(s, mul(get(t), get(t))),
    // |v| < 4e-4: tanh(v) = v in float32 (Eigen's small-argument cut).
    fold(op.v128Bitselect, get(r), fold(op.f32x4Div, mul(get(t), horner(s, TANH_P)), horner(s, TANH_Q)), fold(op.f32x4Lt, fold(op.f32x4Abs, get(r)), splat(4e-4))),
  ].flat();
}

/** Code leaving exp(v) on the stack (v: code of a vector), using locals t, s and r. */
function exp(v: number[], { t, s, r }: Scratch): number[] {
  const n = s;
  return [
    set(t, clamp(v, -87.3, 88.3)),
    set(n, fold(op.f32x4Nearest, mul(get(t), splat(Math.LOG2E)))),
    set(r, sub(sub(get(t), mul(get(n), splat(0.693359375))), mul(get(n), splat(-2.12194440e-4)))),
    // p(r)·r² + r + 1, times 2^n (n + 127 in the exponent bits).
    mul(
      add(add(mul(mul(horner(r, EXP_P), get(r)), get(r)), get(r)), splat(1)),
      fold(op.i32x4Shl, fold(op.i32x4Add, fold(op.i32x4TruncSatF32x4S, get(n)), fold(op.i32x4Splat, i32c(127))), i32c(23)),
    ),
  ].flat();
}

const SQRT1_2 = Math.SQRT1_2;
const NONE_BETA = (2 / Math.sqrt(Math.PI)) * Math.SQRT1_2 * 0.5; // 1/√(2π)
const TANH_BETA = Math.SQRT2 * (2 / Math.sqrt(Math.PI)) * 0.5; // √(2/π)
const KAPPA = 0.044715;

/**
 * A loop over `bytes` bytes, 16 at a time (off counts them); `build` returns the code that loads, computes and
 * stores one vector (its constants become locals set before the loop).
 */
function elementLoop(name: string, params: number, bytes: number, off: number, build: () => number[]): EmittedFunction {
  constants = { base: params + 6, locals: new Map() };
  try {
    const body = build();
    const init = [...constants.locals].flatMap(([v, local]) => set(local, fold(op.f32x4Splat, f32c(v))));
    return {
      name,
      params: new Array<typeof I32>(params).fill(I32),
      locals: [[1, I32], [5, V128], [constants.locals.size, V128]],
      body: [init, set(off, i32c(0)), block(loop(fold(op.brIf(1), fold(op.i32GeU, get(off), get(bytes))), body, set(off, fold(op.i32Add, get(off), i32c(16))), op.br(0)))].flat(),
    };
  } finally {
    constants = null;
  }
}

/** y = gelu(x): params (x, y, bytes), locals off, u, t, s, r, w. */
function geluFunction(approximate: GeluApproximate): EmittedFunction {
  const [x, y, bytes, off, u, t, s, r, w] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const scratch = { t, s, r };
  const load = [set(u, fold(op.v128Load(0), fold(op.i32Add, get(x), get(off))))].flat();
  const value = () =>
    approximate === 'none'
      ? mul(mul(get(u), splat(0.5)), add(splat(1), erf(mul(get(u), splat(SQRT1_2)), scratch)))
      : [
          set(w, mul(splat(TANH_BETA), add(get(u), mul(splat(KAPPA), mul(mul(get(u), get(u)), get(u)))))),
          mul(mul(splat(0.5), get(u)), add(splat(1), tanh(get(w), scratch))),
        ].flat();
  return elementLoop(`gelu_${approximate}`, 3, bytes, off, () => [...load, ...set(w, value()), ...storeFrom(y, off, w)]);
}

/** dx = dy·gelu'(x): params (dy, x, dx, bytes), locals off, u, t, s, r, w. */
function geluGradFunction(approximate: GeluApproximate): EmittedFunction {
  const [dy, x, dx, bytes, off, u, t, s, r, w] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const scratch = { t, s, r };
  const load = set(u, fold(op.v128Load(0), fold(op.i32Add, get(x), get(off))));
  const grad = fold(op.v128Load(0), fold(op.i32Add, get(dy), get(off)));
  const value = () =>
    approximate === 'none'
      ? [
          // w = cdf, then dy·(cdf + x·pdf)
          set(w, mul(splat(0.5), add(splat(1), erf(mul(get(u), splat(SQRT1_2)), scratch)))),
          // exp clamps its argument at -87.3; for |x| > 13.2 the pdf is 0 (as exp(-x²/2) in float32), so ±inf gives NaN as in PyTorch.
          mul(grad, add(get(w), mul(get(u), fold(op.v128AndNot, mul(splat(NONE_BETA), exp(mul(mul(get(u), get(u)), splat(-0.5)), scratch)), fold(op.f32x4Gt, fold(op.f32x4Abs, get(u)), splat(13.2)))))),
        ].flat()
      : [
          // w = tanh(inner); left' = 0.5·(1 + w); right' = 0.5·x·(1 - w²)·β·(1 + 3κ·x²)
          set(w, tanh(mul(splat(TANH_BETA), add(get(u), mul(splat(KAPPA), mul(mul(get(u), get(u)), get(u))))), scratch)),
          mul(
            grad,
            add(
              mul(splat(0.5), add(splat(1), get(w))),
              mul(mul(mul(splat(0.5), get(u)), sub(splat(1), mul(get(w), get(w)))), mul(splat(TANH_BETA), add(splat(1), mul(splat(3 * KAPPA), mul(get(u), get(u)))))),
            ),
          ),
        ].flat();
  return elementLoop(`gelu_grad_${approximate}`, 4, bytes, off, () => [...load, ...set(w, value()), ...storeFrom(dx, off, w)]);
}

/** Stores local `value` at out + off. */
function storeFrom(out: number, off: number, value: number): number[] {
  return fold(op.v128Store(0), fold(op.i32Add, get(out), get(off)), get(value));
}

/** The module's bytes: gelu_none, gelu_grad_none, gelu_tanh, gelu_grad_tanh. */
export function geluModule(): Uint8Array {
  return emitModule((['none', 'tanh'] as const).flatMap((a) => [geluFunction(a), geluGradFunction(a)]));
}

const instances = new WeakMap<object, GeluSimdFunctions | null>();

/**
 * The GELU functions bound to `memory` (the tfjs wasm backend's), compiled once per memory; null without SIMD.
 * @param memory - the wasm backend's WebAssembly.Memory
 */
export function geluSimd(memory: object): GeluSimdFunctions | null {
  if (instances.has(memory)) return instances.get(memory) ?? null;
  const api = wasmApi();
  const bytes = geluModule();
  let result: GeluSimdFunctions | null = null;
  if (api && api.validate(bytes)) {
    const e = new api.Instance(new api.Module(bytes), { env: { memory } }).exports as Record<string, GeluSimd & GeluGradSimd>;
    result = { gelu: { none: e['gelu_none']!, tanh: e['gelu_tanh']! }, geluGrad: { none: e['gelu_grad_none']!, tanh: e['gelu_grad_tanh']! } };
  }
  instances.set(memory, result);
  return result;
}
