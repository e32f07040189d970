/** The confusion matrix as an SVG heat map (rows = true class, columns = predicted), counts in each cell. */
import { escapeXml } from './svg.js';
import type { ConfusionMatrix } from '../metrics/confusion-matrix.js';

/**
 * @param m - confusion matrix (rows = truth)
 * @param classes - class names
 */
export function confusionMatrixSvg(m: ConfusionMatrix, classes: string[]): string {
  const k = m.length;
  const cell = Math.max(22, Math.min(48, Math.floor(440 / Math.max(k, 1))));
  const labelW = Math.min(120, 14 + 7 * Math.max(1, ...classes.map((c) => c.length)));
  const top = 46;
  const size = Math.max(260, labelW + k * cell + 10);
  const height = top + k * cell + 40;
  const rowTotals = m.map((r) => r.reduce((a, b) => a + b, 0));
  const parts: string[] = [`<text x="4" y="16" class="chart-title">Confusion matrix (validation)</text>`];
  parts.push(`<text x="${labelW + (k * cell) / 2}" y="36" text-anchor="middle" class="axis-label">predicted</text>`);
  m.forEach((row, t) => {
    const y = top + t * cell;
    parts.push(`<text x="${labelW - 6}" y="${y + cell / 2 + 4}" text-anchor="end" class="tick">${escapeXml(classes[t] ?? String(t))}</text>`);
    row.forEach((count, p) => {
      const x = labelW + p * cell;
      const share = rowTotals[t]! > 0 ? count / rowTotals[t]! : 0;
      const fill = t === p ? `rgba(44,160,44,${(0.1 + 0.9 * share).toFixed(3)})` : `rgba(214,39,40,${(share > 0 ? 0.1 + 0.9 * share : 0).toFixed(3)})`;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ddd"><title>true ${escapeXml(classes[t] ?? String(t))}, predicted ${escapeXml(classes[p] ?? String(p))}: ${count}</title></rect>`);
      if (cell >= 26 || count > 0) parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" class="cell-label">${count}</text>`);
    });
  });
  classes.forEach((c, p) => {
    parts.push(`<text x="${labelW + p * cell + cell / 2}" y="${top + k * cell + 14}" text-anchor="middle" class="tick">${escapeXml(c)}</text>`);
  });
  parts.push(`<text x="12" y="${top + (k * cell) / 2}" transform="rotate(-90 12 ${top + (k * cell) / 2})" text-anchor="middle" class="axis-label">true</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${height}" viewBox="0 0 ${size} ${height}" role="img" aria-label="confusion matrix">${parts.join('')}</svg>`;
}
