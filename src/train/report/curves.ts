/** curves.svg: loss (train and validation) and accuracy per epoch, side by side, as one SVG document. */
import { CHART_CSS, lineChartSvg, type ChartSeries } from './svg.js';

type Row = Record<string, number>;

const column = (rows: Row[], key: string): Array<[number, number]> => rows.map((r) => [r.epoch ?? NaN, r[key] ?? NaN]);
const has = (rows: Row[], key: string) => rows.some((r) => Number.isFinite(r[key]));

export function lossChart(rows: Row[], width = 480, height = 300): string {
  const series: ChartSeries[] = [{ name: 'train loss', color: '#1f77b4', points: column(rows, 'train_loss'), markers: true }];
  if (has(rows, 'val_loss')) series.push({ name: 'val loss', color: '#ff7f0e', points: column(rows, 'val_loss'), markers: true });
  return lineChartSvg(series, { title: 'Loss', xLabel: 'epoch', width, height });
}

export function accuracyChart(rows: Row[], width = 480, height = 300): string {
  const series: ChartSeries[] = [];
  const colors: Record<string, string> = { train_accuracy: '#1f77b4', val_accuracy: '#ff7f0e', val_balanced_accuracy: '#2ca02c', val_macro_f1: '#9467bd' };
  for (const [key, color] of Object.entries(colors)) {
    if (has(rows, key)) series.push({ name: key.replace(/_/g, ' '), color, points: column(rows, key), markers: true });
  }
  return lineChartSvg(series, { title: 'Accuracy', xLabel: 'epoch', width, height, yRange: [0, 1] });
}

/** A standalone SVG file with both charts and its own styles. @param rows - metrics.jsonl rows */
export function renderCurvesSvg(rows: Row[]): string {
  const w = 480;
  const h = 300;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${h}" viewBox="0 0 ${2 * w} ${h}">` +
    `<style>${CHART_CSS}</style><rect width="100%" height="100%" fill="#fff"/>` +
    `<g>${lossChart(rows, w, h)}</g><g transform="translate(${w},0)">${accuracyChart(rows, w, h)}</g></svg>\n`
  );
}
