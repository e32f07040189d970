/**
 * The parity policy of docs/architecture.md decision 7. For each compared tensor PyTorch runs in float64 (G, the ground
 * truth) and float32 (P); our result T passes when, for err = max abs and RMSE,
 *
 *   err(T, G) <= 2 * err(P, G) + c * eps32 * max|G|      and      maxAbs(T, G) <= ceiling
 *
 * and the NaN/Inf positions of T and G agree exactly. `c` (default 16) and `ceiling` (default 1e-3, a fixed
 * absolute ceiling so a noisy reference cannot excuse a bug) may be changed per comparison only with a
 * `source` saying why; every row records the tolerance it used and where it came from.
 */
import type { DiffAt, ParityRow } from './report.js';
import type { HostTensor } from '../util/host-tensor.js';

export const EPS32 = 2 ** -23;
export const DEFAULT_C = 16;
export const DEFAULT_CEILING = 1e-3;

export interface ToleranceOptions {
  /** Multiplier of eps32 * max|G| (default 16). */
  c?: number;
  /** Absolute ceiling on max |T - G| (default 1e-3). */
  ceiling?: number;
  /** Why c or ceiling differ from the defaults (required when they do). */
  source?: string;
}

export interface RowContext {
  subject: string;
  name: string;
  backend: string;
  seed: number;
}

type Values = ArrayLike<number | bigint>;

function toNumbers(values: Values): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

function unravel(flat: number, shape: number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return index;
}

function kind(v: number): string {
  return Number.isNaN(v) ? 'nan' : v === Infinity ? '+inf' : v === -Infinity ? '-inf' : 'finite';
}

function errors(a: Float64Array, g: Float64Array): { maxAbs: number; at: number; rmse: number } {
  let maxAbs = 0;
  let at = 0;
  let sq = 0;
  let n = 0;
  for (let i = 0; i < g.length; i++) {
    if (!Number.isFinite(g[i]!) || !Number.isFinite(a[i]!)) continue;
    const d = Math.abs(a[i]! - g[i]!);
    if (d > maxAbs) {
      maxAbs = d;
      at = i;
    }
    sq += d * d;
    n += 1;
  }
  return { maxAbs, at, rmse: n ? Math.sqrt(sq / n) : 0 };
}

function diffAt(flat: number, value: number, shape: number[], t: Float64Array, g: Float64Array): DiffAt {
  return { value, index: unravel(flat, shape), ours: t[flat] ?? NaN, reference: g[flat] ?? NaN };
}

/**
 * Compares our tensor with PyTorch's float64 and float32 results under the policy and returns a report row.
 * @param context - subject, name, backend and seed for the row
 * @param ours - T (any numeric array in PyTorch layout)
 * @param g - PyTorch float64 result
 * @param p - PyTorch float32 result
 * @param options - c, ceiling and their source
 */
export function compareTensor(context: RowContext, ours: Values, g: HostTensor, p: HostTensor, options: ToleranceOptions = {}): ParityRow {
  const shape = g.shape;
  const T = toNumbers(ours);
  const G = toNumbers(g.data as Values);
  const P = toNumbers(p.data as Values);
  const c = options.c ?? DEFAULT_C;
  const ceiling = options.ceiling ?? DEFAULT_CEILING;
  const changed = options.c !== undefined || options.ceiling !== undefined;
  if (changed && !options.source) throw new Error(`${context.name}: a non-default tolerance needs a source`);
  const source = options.source ?? `policy defaults: 2*err(P,G) + ${c}*eps32*max|G|, ceiling ${ceiling}`;

  const problems: string[] = [];
  if (T.length !== G.length || P.length !== G.length) {
    problems.push(`size mismatch: ours ${T.length}, float64 ${G.length}, float32 ${P.length} elements`);
  }
  let nonFiniteMatch = true;
  let firstNonFinite = -1;
  for (let i = 0; i < G.length; i++) {
    if (kind(T[i]!) !== kind(G[i]!)) {
      nonFiniteMatch = false;
      firstNonFinite = i;
      break;
    }
  }
  if (!nonFiniteMatch) problems.push(`NaN/Inf positions differ (first at [${unravel(firstNonFinite, shape).join(',')}]: ours ${T[firstNonFinite]}, float64 ${G[firstNonFinite]})`);

  let maxG = 0;
  let sqG = 0;
  let sqT = 0;
  let dot = 0;
  let relMax = 0;
  let relAt = 0;
  for (let i = 0; i < G.length; i++) {
    const gi = G[i]!;
    const ti = T[i]!;
    if (!Number.isFinite(gi) || !Number.isFinite(ti)) continue;
    maxG = Math.max(maxG, Math.abs(gi));
    sqG += gi * gi;
    sqT += ti * ti;
    dot += gi * ti;
  }
  const floor = EPS32 * maxG;
  for (let i = 0; i < G.length; i++) {
    const gi = G[i]!;
    const ti = T[i]!;
    if (!Number.isFinite(gi) || !Number.isFinite(ti)) continue;
    // Relative difference against max(|G_i|, eps32 * max|G|) so exact zeros do not divide by zero.
    const rel = Math.abs(ti - gi) / Math.max(Math.abs(gi), floor, Number.MIN_VALUE);
    if (rel > relMax) {
      relMax = rel;
      relAt = i;
    }
  }
  const errT = errors(T, G);
  const errP = errors(P, G);
  const slack = c * EPS32 * maxG;
  const tolMax = Math.min(2 * errP.maxAbs + slack, ceiling);
  const tolRmse = Math.min(2 * errP.rmse + slack, ceiling);
  let k = 0;
  for (let i = 0; i < G.length; i++) {
    if (!Number.isFinite(G[i]!)) continue;
    if (Math.abs(T[i]! - G[i]!) > Math.min(2 * Math.abs(P[i]! - G[i]!) + slack, ceiling)) k += 1;
  }
  if (errT.maxAbs > tolMax) problems.push(`max abs ${errT.maxAbs.toExponential(3)} > tolerance ${tolMax.toExponential(3)}`);
  if (errT.rmse > tolRmse) problems.push(`RMSE ${errT.rmse.toExponential(3)} > tolerance ${tolRmse.toExponential(3)}`);
  let diffSq = 0;
  for (let i = 0; i < G.length; i++) if (Number.isFinite(G[i]!) && Number.isFinite(T[i]!)) diffSq += (T[i]! - G[i]!) ** 2;
  const ratio = (e: number, tol: number): number => (tol > 0 ? e / tol : e === 0 ? 0 : Infinity);
  return {
    ...context,
    shape,
    mode: 'policy',
    pass: problems.length === 0,
    failure: problems.join('; '),
    maxAbs: diffAt(errT.at, errT.maxAbs, shape, T, G),
    maxRel: diffAt(relAt, relMax, shape, T, G),
    rmse: errT.rmse,
    relL2: sqG > 0 ? Math.sqrt(diffSq / sqG) : Math.sqrt(diffSq),
    cosine: sqG > 0 && sqT > 0 ? dot / Math.sqrt(sqG * sqT) : sqG === sqT ? 1 : 0,
    mismatches: { k, n: G.length },
    nonFiniteMatch,
    pytorchFloat32: { maxAbs: errP.maxAbs, rmse: errP.rmse },
    ours: { maxAbs: errT.maxAbs, rmse: errT.rmse },
    ratioToNoise: errT.maxAbs / Math.max(errP.maxAbs, floor, Number.MIN_VALUE),
    ratioToTolerance: Math.max(ratio(errT.maxAbs, tolMax), ratio(errT.rmse, tolRmse)),
    tolerance: { maxAbs: tolMax, rmse: tolRmse, c, ceiling, source },
  };
}

/**
 * A bit-exact comparison (state_dict round trips): passes only when every element is identical.
 * @param context - subject, name, backend and seed
 * @param ours - our values
 * @param reference - the reference tensor
 */
export function compareExact(context: RowContext, ours: HostTensor, reference: HostTensor): ParityRow {
  const shapeOk = ours.shape.length === reference.shape.length && ours.shape.every((d, i) => d === reference.shape[i]);
  const dtypeOk = ours.dtype === reference.dtype;
  const n = reference.data.length;
  const a = new Uint8Array(ours.data.buffer, ours.data.byteOffset, ours.data.byteLength);
  const b = new Uint8Array(reference.data.buffer, reference.data.byteOffset, reference.data.byteLength);
  let bytesEqual = a.length === b.length;
  if (bytesEqual) for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) bytesEqual = false;
  const T = toNumbers(ours.data as Values);
  const G = toNumbers(reference.data as Values);
  const e = errors(T, G);
  let k = 0;
  for (let i = 0; i < Math.min(T.length, G.length); i++) if (!Object.is(T[i], G[i])) k += 1;
  const problems: string[] = [];
  if (!dtypeOk) problems.push(`dtype ${ours.dtype} != ${reference.dtype}`);
  if (!shapeOk) problems.push(`shape [${ours.shape}] != [${reference.shape}]`);
  if (!bytesEqual) problems.push(`${k} of ${n} elements differ in their bits`);
  return {
    ...context,
    shape: reference.shape,
    mode: 'exact',
    pass: problems.length === 0,
    failure: problems.join('; '),
    maxAbs: diffAt(e.at, e.maxAbs, reference.shape, T, G),
    maxRel: diffAt(e.at, e.maxAbs / Math.max(Math.abs(G[e.at] ?? 0), Number.MIN_VALUE), reference.shape, T, G),
    rmse: e.rmse,
    relL2: 0,
    cosine: 1,
    mismatches: { k, n },
    nonFiniteMatch: true,
    pytorchFloat32: { maxAbs: 0, rmse: 0 },
    ours: { maxAbs: e.maxAbs, rmse: e.rmse },
    ratioToNoise: 0,
    ratioToTolerance: bytesEqual && shapeOk && dtypeOk ? 0 : Infinity,
    tolerance: { maxAbs: 0, rmse: 0, c: 0, ceiling: 0, source: 'bit-exact (docs/architecture.md decision 2)' },
  };
}
