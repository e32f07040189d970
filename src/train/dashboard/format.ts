/** Number, time and progress-bar formatting shared by the reporters. */

/** Seconds as m:ss or h:mm:ss ('--:--' when unknown). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Bytes as '412.3 MB' (decimal units, like `ps`/`top` readers expect). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** A loss or metric value with 4 significant digits. */
export function formatMetric(v: number | undefined): string {
  if (v === undefined) return '-';
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4);
}

/** A fraction in [0, 1] as a percentage with one decimal. */
export function formatPercent(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(1)}%`;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/**
 * A progress bar of exactly `width` cells using eighth blocks.
 * @param fraction - done fraction, clamped to [0, 1]
 * @param width - cells
 */
export function progressBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8]!;
  const used = full + (part ? 1 : 0);
  return '█'.repeat(full) + part + '░'.repeat(Math.max(0, width - used));
}

/**
 * Seconds left, from the work done so far in this process (resumed work is not counted as done here).
 * @param done - units done since `elapsedSeconds` started
 * @param remaining - units left
 * @param elapsedSeconds - time spent on `done`
 */
export function etaSeconds(done: number, remaining: number, elapsedSeconds: number): number {
  if (done <= 0 || elapsedSeconds <= 0) return NaN;
  return (remaining * elapsedSeconds) / done;
}
