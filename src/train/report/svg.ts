/** Small SVG building blocks for the run report: escaping, nice axis ticks, a line chart. */

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** About `count` round tick values covering [min, max] (1, 2, 5 x 10^k steps). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

export interface ChartSeries {
  name: string;
  color: string;
  /** [x, y]; non-finite y values break the line. */
  points: Array<[number, number]>;
  /** Draw a dot at each point (for short per-epoch series). */
  markers?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  width: number;
  height: number;
  /** Fixed y range (e.g. [0, 1] for accuracy). */
  yRange?: [number, number];
}

/** A line chart as an <svg> element string (no external resources). */
export function lineChartSvg(series: ChartSeries[], o: LineChartOptions): string {
  const m = { left: 56, right: 16, top: 44, bottom: 44 };
  const w = o.width - m.left - m.right;
  const h = o.height - m.top - m.bottom;
  const pts = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  let [x0, x1] = pts.length ? [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))] : [0, 1];
  let [y0, y1] = o.yRange ?? (pts.length ? [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))] : [0, 1]);
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - (Math.abs(y0) * 0.05 || 0.5), y1 + (Math.abs(y1) * 0.05 || 0.5)];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * w;
  const sy = (y: number) => m.top + ((y1 - y) / (y1 - y0)) * h;
  const parts: string[] = [];
  parts.push(`<text x="${m.left}" y="18" class="chart-title">${escapeXml(o.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${formatTick(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${m.top + h + 16}" text-anchor="middle" class="tick">${formatTick(t)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" class="frame"/>`);
  parts.push(`<text x="${m.left + w / 2}" y="${o.height - 8}" text-anchor="middle" class="axis-label">${escapeXml(o.xLabel)}</text>`);
  series.forEach((s, i) => {
    const segments: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) segments.at(-1)!.push(`${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      else if (segments.at(-1)!.length) segments.push([]);
    }
    for (const seg of segments) {
      if (seg.length > 1) parts.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
      if (s.markers || seg.length === 1) for (const p of seg) {
        const [cx, cy] = p.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
      }
    }
    const lx = m.left + i * 130;
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="32" y2="32" stroke="${s.color}" stroke-width="3"/>`);
    parts.push(`<text x="${lx + 22}" y="36" class="legend">${escapeXml(s.name)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${o.width}" height="${o.height}" viewBox="0 0 ${o.width} ${o.height}" role="img" aria-label="${escapeXml(o.title)}">${parts.join('')}</svg>`;
}

/** CSS for the chart classes, inlined into every SVG document and the HTML report. */
export const CHART_CSS = `
.chart-title { font: 600 14px system-ui, sans-serif; fill: #222; }
.tick { font: 11px system-ui, sans-serif; fill: #555; }
.axis-label, .legend { font: 12px system-ui, sans-serif; fill: #333; }
.grid { stroke: #e4e4e4; stroke-width: 1; }
.frame { fill: none; stroke: #999; stroke-width: 1; }
.cell-label { font: 11px system-ui, sans-serif; }
`;
