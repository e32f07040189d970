/** Differences and the parity policy (DESIGN.md decision 7) for the ONNX parity suite. */

export interface Diff {
  maxAbs: number;
  rmse: number;
  /** max |reference| */
  scale: number;
}

export function diff(value: ArrayLike<number>, reference: ArrayLike<number>): Diff {
  if (value.length !== reference.length) throw new Error(`compare: ${value.length} values vs ${reference.length}`);
  let maxAbs = 0;
  let sq = 0;
  let scale = 0;
  for (let i = 0; i < value.length; i++) {
    const d = Math.abs((value[i] as number) - (reference[i] as number));
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    sq += d * d;
    scale = Math.max(scale, Math.abs(reference[i] as number));
  }
  return { maxAbs, rmse: Math.sqrt(sq / Math.max(1, value.length)), scale };
}

const EPS32 = 2 ** -23;
/** c in err(T,G) <= 2 err(P,G) + c eps32 max|G|. */
const POLICY_C = 8;
/** Fixed ceiling relative to max(|G|, 1): a noisy float32 reference cannot excuse more than this. */
const POLICY_CEILING = 1e-4;

export interface PolicyResult {
  ts: Diff;
  torch32: Diff;
  boundMaxAbs: number;
  boundRmse: number;
  ok: boolean;
}

/**
 * The parity policy: the TS result T against float64 PyTorch G, with float32 PyTorch P as the noise reference.
 * @param t - TS output
 * @param p - PyTorch float32 output
 * @param g - PyTorch float64 output
 */
export function parityPolicy(t: ArrayLike<number>, p: ArrayLike<number>, g: ArrayLike<number>): PolicyResult {
  const ts = diff(t, g);
  const torch32 = diff(p, g);
  const slack = POLICY_C * EPS32 * ts.scale;
  const ceiling = POLICY_CEILING * Math.max(ts.scale, 1);
  const boundMaxAbs = Math.min(2 * torch32.maxAbs + slack, ceiling);
  const boundRmse = Math.min(2 * torch32.rmse + slack, ceiling);
  return { ts, torch32, boundMaxAbs, boundRmse, ok: ts.maxAbs <= boundMaxAbs && ts.rmse <= boundRmse };
}
