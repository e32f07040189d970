/**
 * A small line plotter for terminals using Braille cells (2x4 dots per character), so a 60x8 cell chart has
 * 120x32 dots. Written here instead of using asciichart because the dashboard plots series with their own
 * x coordinates (per-step train loss next to per-epoch validation loss) with gaps, which asciichart (one value
 * per column, no NaN handling) cannot draw.
 */
import { colorize, type Color } from './ansi.js';

export interface PlotSeries {
  name: string;
  /** [x, y] points in x order; a non-finite y breaks the line. */
  points: Array<[number, number]>;
  color: Color;
}

export interface PlotOptions {
  /** Plot area width in terminal cells (without the y labels). */
  width: number;
  /** Plot area height in terminal cells. */
  height: number;
  /** Emit ANSI colours (false for plain text and tests). */
  color: boolean;
  /** Width of the y-axis label column. */
  labelWidth?: number;
}

const DOT_BITS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/** A number in at most `width` characters (4 significant digits, exponent when needed). */
export function formatAxisNumber(v: number, width = 8): string {
  if (!Number.isFinite(v)) return String(v);
  let s = Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  if (s.length > width) s = v.toExponential(1);
  return s;
}

/** Averages consecutive points so a series has at most `maxPoints` (keeps long runs cheap to draw). */
export function downsample(points: Array<[number, number]>, maxPoints: number): Array<[number, number]> {
  if (points.length <= maxPoints) return points;
  const per = Math.ceil(points.length / maxPoints);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < points.length; i += per) {
    let sx = 0;
    let sy = 0;
    let n = 0;
    for (let j = i; j < Math.min(i + per, points.length); j++) {
      const [x, y] = points[j]!;
      if (!Number.isFinite(y)) continue;
      sx += x;
      sy += y;
      n++;
    }
    out.push(n ? [sx / n, sy / n] : [points[i]![0], NaN]);
  }
  return out;
}

/**
 * Draws the series into `height` lines of `labelWidth + 1 + width` characters (y labels, axis, dots),
 * plus one x-axis line. Returns the lines.
 * @param series - the curves; later series draw over earlier ones
 * @param options - size and colour
 */
export function plotBraille(series: PlotSeries[], options: PlotOptions): string[] {
  const { width, height } = options;
  const labelWidth = options.labelWidth ?? 8;
  const dotsX = width * 2;
  const dotsY = height * 4;
  const drawn = series.map((s) => ({ ...s, points: downsample(s.points, dotsX * 2) }));
  // Axis ranges come from the raw points (bucket means would shrink them).
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const cells = new Uint8Array(width * height);
  const cellColor: Array<Color | null> = new Array(width * height).fill(null);
  let [xMin, xMax, yMin, yMax] = [0, 1, 0, 1];
  if (finite.length) {
    xMin = Math.min(...finite.map((p) => p[0]));
    xMax = Math.max(...finite.map((p) => p[0]));
    yMin = Math.min(...finite.map((p) => p[1]));
    yMax = Math.max(...finite.map((p) => p[1]));
    if (xMax === xMin) xMax = xMin + 1;
    if (yMax === yMin) {
      const pad = Math.abs(yMin) * 0.05 || 0.5;
      yMin -= pad;
      yMax += pad;
    }
  }
  const toDot = (x: number, y: number): [number, number] => [
    Math.round(((x - xMin) / (xMax - xMin)) * (dotsX - 1)),
    Math.round(((yMax - y) / (yMax - yMin)) * (dotsY - 1)),
  ];
  const setDot = (dx: number, dy: number, color: Color) => {
    if (dx < 0 || dy < 0 || dx >= dotsX || dy >= dotsY) return;
    const cell = Math.floor(dy / 4) * width + Math.floor(dx / 2);
    cells[cell]! |= DOT_BITS[dx % 2]![dy % 4]!;
    cellColor[cell] = color;
  };
  for (const s of drawn) {
    let prev: [number, number] | null = null;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        prev = null;
        continue;
      }
      const cur = toDot(x, y);
      if (prev) {
        // Bresenham between the two dots.
        let [x0, y0] = prev;
        const [x1, y1] = cur;
        const dx = Math.abs(x1 - x0);
        const dy = -Math.abs(y1 - y0);
        const sx = x0 < x1 ? 1 : -1;
        const sy = y0 < y1 ? 1 : -1;
        let err = dx + dy;
        for (;;) {
          setDot(x0, y0, s.color);
          if (x0 === x1 && y0 === y1) break;
          const e2 = 2 * err;
          if (e2 >= dy) {
            err += dy;
            x0 += sx;
          }
          if (e2 <= dx) {
            err += dx;
            y0 += sy;
          }
        }
      } else setDot(cur[0], cur[1], s.color);
      prev = cur;
    }
  }
  const lines: string[] = [];
  for (let row = 0; row < height; row++) {
    let label = '';
    if (finite.length) {
      if (row === 0) label = formatAxisNumber(yMax, labelWidth);
      else if (row === height - 1) label = formatAxisNumber(yMin, labelWidth);
      else if (height >= 5 && row === Math.floor((height - 1) / 2)) label = formatAxisNumber(yMax - ((yMax - yMin) * row) / (height - 1), labelWidth);
    }
    let line = label.padStart(labelWidth) + '┤';
    for (let c = 0; c < width; c++) {
      const i = row * width + c;
      const bits = cells[i]!;
      const ch = bits ? String.fromCharCode(0x2800 + bits) : ' ';
      line += bits && options.color ? colorize(ch, cellColor[i]!) : ch;
    }
    lines.push(line);
  }
  const left = finite.length ? formatAxisNumber(xMin) : '';
  const right = finite.length ? formatAxisNumber(xMax) : '';
  const axis = '└' + '─'.repeat(Math.max(0, width));
  lines.push(' '.repeat(labelWidth) + axis);
  const xLabels = left + right.padStart(Math.max(0, width + 1 - left.length));
  lines.push(' '.repeat(labelWidth) + xLabels);
  return lines;
}
