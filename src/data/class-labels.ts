/** Class names from raw label values (CSV cells, Parquet label columns without ClassLabel names). */

/**
 * Maps raw label values to class indices. Classes are the sorted distinct values: numerically when every value
 * is a number, else as strings in code-point order. Index = position in that list.
 * @param values - one raw label per sample
 */
export function labelsToClasses(values: ReadonlyArray<string | number>): { classes: string[]; labels: Int32Array } {
  const numeric = values.every((v) => typeof v === 'number' || (v.trim() !== '' && Number.isFinite(Number(v))));
  const keys = values.map((v) => (numeric ? Number(v) : String(v)));
  const distinct = [...new Set(keys)].sort((a, b) => (numeric ? (a as number) - (b as number) : a < b ? -1 : a > b ? 1 : 0));
  const index = new Map<string | number, number>(distinct.map((k, i) => [k, i]));
  return { classes: distinct.map(String), labels: Int32Array.from(keys, (k) => index.get(k)!) };
}
