/** Max abs / RMSE differences between two outputs (ONNX runtimes against each other and against the TS model). */

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
