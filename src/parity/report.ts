/**
 * The parity report (docs/architecture.md decision 8): one row per compared tensor, written as parity-report.json and
 * printed as a table. Rows are produced by src/parity/tolerance.ts; this file only defines the
 * format, assembles rows into a report and prints it (used by the suites' global teardown and `twinml parity`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';

/** A position in a tensor with both values. */
export interface DiffAt {
  value: number;
  /** Multi-index into the tensor (PyTorch layout). */
  index: number[];
  ours: number;
  reference: number;
}

export interface ErrorPair {
  maxAbs: number;
  rmse: number;
}

export interface ParityRow {
  /** Suite subject: layers, losses, optim, schedulers, models, weights. */
  subject: string;
  /** Tensor name, e.g. `layers/Linear(7,5)/grad.weight`. */
  name: string;
  shape: number[];
  backend: string;
  seed: number;
  /** 'policy': float64-calibrated tolerance; 'exact': bit-exact comparison. */
  mode: 'policy' | 'exact';
  pass: boolean;
  /** Why the row failed (empty when it passed). */
  failure: string;
  maxAbs: DiffAt;
  maxRel: DiffAt;
  rmse: number;
  relL2: number;
  cosine: number;
  /** Elements outside the element-wise tolerance, of all elements. */
  mismatches: { k: number; n: number };
  /** NaN/Inf positions of ours and the float64 reference agree. */
  nonFiniteMatch: boolean;
  /** PyTorch's own float32 error against its float64 result (the noise floor). */
  pytorchFloat32: ErrorPair;
  /** Our error against PyTorch float64. */
  ours: ErrorPair;
  /** ours.maxAbs / max(pytorchFloat32.maxAbs, eps32 * max|G|): how far above PyTorch's own float32 error we are. */
  ratioToNoise: number;
  /** max over maxAbs and RMSE of ours / tolerance (<= 1 passes). */
  ratioToTolerance: number;
  tolerance: { maxAbs: number; rmse: number; c: number; ceiling: number; source: string };
}

/** A named module whose output first diverged (localisation). */
export interface Localisation {
  model: string;
  backend: string;
  /** State_dict path of the first diverging module in execution order, or null when all agree. */
  firstDivergingModule: string | null;
  checked: Array<{ module: string; pass: boolean; ratioToTolerance: number }>;
}

export interface ParityReport {
  createdAt: string;
  versions: Record<string, string>;
  seeds: number[];
  backends: string[];
  summary: {
    rows: number;
    failed: number;
    worstRatioToNoise: { value: number; row: string };
    worstRatioToTolerance: { value: number; row: string };
  };
  localisations: Localisation[];
  rows: ParityRow[];
}

/** One line of a rows file: a row, a localisation or versions. */
export type CollectedRecord =
  | { kind: 'row'; row: ParityRow }
  | { kind: 'localisation'; localisation: Localisation }
  | { kind: 'versions'; versions: Record<string, string> };

/**
 * Reads every rows-*.jsonl file of a folder the suites wrote.
 * @param dir - the folder
 */
export function readCollected(dir: string): CollectedRecord[] {
  if (!existsSync(dir)) return [];
  const out: CollectedRecord[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line.trim()) out.push(JSON.parse(line) as CollectedRecord);
    }
  }
  return out;
}

function worst(rows: ParityRow[], key: 'ratioToNoise' | 'ratioToTolerance'): { value: number; row: string } {
  let best = { value: 0, row: '' };
  for (const r of rows) if (r[key] > best.value || best.row === '') best = { value: r[key], row: r.name };
  return best;
}

/**
 * Builds the report from collected records.
 * @param records - rows, localisations and versions from the suites
 */
export function buildReport(records: CollectedRecord[]): ParityReport {
  const rows = records.flatMap((r) => (r.kind === 'row' ? [r.row] : []));
  const versions: Record<string, string> = {};
  for (const r of records) if (r.kind === 'versions') Object.assign(versions, r.versions);
  const policyRows = rows.filter((r) => r.mode === 'policy');
  return {
    createdAt: new Date().toISOString(),
    versions,
    seeds: [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b),
    backends: [...new Set(rows.map((r) => r.backend))].sort(),
    summary: {
      rows: rows.length,
      failed: rows.filter((r) => !r.pass).length,
      worstRatioToNoise: worst(policyRows, 'ratioToNoise'),
      worstRatioToTolerance: worst(rows, 'ratioToTolerance'),
    },
    localisations: records.flatMap((r) => (r.kind === 'localisation' ? [r.localisation] : [])),
    rows,
  };
}

/**
 * Writes parity-report.json atomically.
 * @param path - the file
 * @param report - the report
 */
export function writeReport(path: string, report: ParityReport): void {
  writeFileAtomic(path, JSON.stringify(report, null, 1) + '\n');
}

const fmt = (v: number): string => (Number.isFinite(v) ? (v === 0 ? '0' : Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(2)) : String(v));

/**
 * The report as a readable table (one row per tensor) and its summary lines.
 * @param report - the report
 * @param options - `failuresOnly` prints only failing rows (and the summary)
 */
export function formatReport(report: ParityReport, options: { failuresOnly?: boolean } = {}): string {
  const header = ['', 'tensor', 'shape', 'backend', 'max abs', 'at', 'ours', 'torch f64', 'rmse', 'cosine', 'k/n', 'f32 err', '/noise', '/tol'];
  const shown = options.failuresOnly ? report.rows.filter((r) => !r.pass) : report.rows;
  const lines = shown.map((r) => [
    r.pass ? 'ok' : 'FAIL',
    r.name,
    `[${r.shape.join(',')}]`,
    r.backend,
    fmt(r.maxAbs.value),
    `[${r.maxAbs.index.join(',')}]`,
    fmt(r.maxAbs.ours),
    fmt(r.maxAbs.reference),
    fmt(r.rmse),
    r.cosine.toFixed(6),
    `${r.mismatches.k}/${r.mismatches.n}`,
    fmt(r.pytorchFloat32.maxAbs),
    r.mode === 'exact' ? 'exact' : fmt(r.ratioToNoise),
    fmt(r.ratioToTolerance),
  ]);
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...lines.map((l) => l[i]!.length))));
  const render = (cells: string[]): string => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [render(header), ...lines.map(render)];
  const s = report.summary;
  out.push('');
  out.push(`parity: ${s.rows - s.failed}/${s.rows} tensors within tolerance; backends ${report.backends.join(', ')}; seeds ${report.seeds.join(', ')}`);
  out.push(
    s.worstRatioToNoise.row
      ? `worst ratio to PyTorch's own float32 error: ${fmt(s.worstRatioToNoise.value)} (${s.worstRatioToNoise.row})`
      : "worst ratio to PyTorch's own float32 error: n/a (only bit-exact rows)",
  );
  out.push(`worst ratio to tolerance: ${fmt(s.worstRatioToTolerance.value)} (${s.worstRatioToTolerance.row})`);
  for (const l of report.localisations) {
    out.push(`localisation ${l.model} on ${l.backend}: ${l.firstDivergingModule === null ? 'every module output agrees' : `first diverging module: ${l.firstDivergingModule}`}`);
  }
  return out.join('\n');
}
