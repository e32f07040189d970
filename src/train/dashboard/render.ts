/**
 * The dashboard screen as a pure function of what the run has reported so far and the terminal size:
 * header, epoch and run progress bars with ETA, throughput/lr/memory, loss and accuracy curves (train per
 * step, validation per epoch), and the class histogram. tty-reporter.ts redraws it.
 */
import type { BatchStats, EpochMetrics, RunInfo } from './reporter.js';
import { plotBraille, type PlotSeries } from './braille-plot.js';
import { colorize, stripAnsi, type Color } from './ansi.js';
import { etaSeconds, formatBytes, formatDuration, formatMetric, formatPercent, progressBar } from './format.js';

export interface DashboardView {
  info: RunInfo;
  last?: BatchStats;
  /** [step, train batch loss] */
  stepLoss: Array<[number, number]>;
  /** [step, train batch accuracy] */
  stepAccuracy: Array<[number, number]>;
  epochs: EpochMetrics[];
  elapsedSeconds: number;
  /** Batches trained by this process (not counting resumed work). */
  batchesThisProcess: number;
  /** Seconds spent on those batches. */
  batchSeconds: number;
  /** A status line (e.g. 'stopping after this batch…'). */
  status?: string;
}

export interface ScreenSize {
  columns: number;
  rows: number;
}

const paint = (on: boolean, text: string, color: Color) => (on ? colorize(text, color) : text);

function padVisible(text: string, width: number): string {
  const visible = stripAnsi(text).length;
  return visible >= width ? text : text + ' '.repeat(width - visible);
}

/** The progress part: where the run is, how fast, how long to go. */
function progressLines(v: DashboardView, columns: number, color: boolean): string[] {
  const { info, last } = v;
  const epoch = last ? last.epoch : info.startEpoch;
  const batchInEpoch = last ? last.batch + 1 : info.startBatch;
  const totalBatches = info.epochs * info.batchesPerEpoch;
  const doneBatches = (epoch - 1) * info.batchesPerEpoch + batchInEpoch;
  const perBatch = v.batchesThisProcess > 0 ? v.batchSeconds / v.batchesThisProcess : NaN;
  const epochEta = etaSeconds(v.batchesThisProcess, info.batchesPerEpoch - batchInEpoch, v.batchSeconds);
  const runEta = etaSeconds(v.batchesThisProcess, totalBatches - doneBatches, v.batchSeconds);
  const barWidth = Math.max(10, Math.min(50, columns - 46));
  const title = `${paint(color, 'twinml train', 'bold')} ${info.runName} · ${info.model} · epoch ${Math.min(epoch, info.epochs)}/${info.epochs} · step ${last?.step ?? info.startStep}`;
  const elapsed = `elapsed ${formatDuration(v.elapsedSeconds)}`;
  const header = padVisible(title, Math.max(0, columns - elapsed.length - 1)) + ' ' + elapsed;
  const epochLine = `epoch ${paint(color, progressBar(batchInEpoch / info.batchesPerEpoch, barWidth), 'cyan')} ${String(batchInEpoch).padStart(String(info.batchesPerEpoch).length)}/${info.batchesPerEpoch}  ETA ${formatDuration(epochEta)}`;
  const runLine = `run   ${paint(color, progressBar(doneBatches / totalBatches, barWidth), 'green')} ${formatPercent(doneBatches / totalBatches).padStart(6)}  ETA ${formatDuration(runEta)}`;
  const stats = last
    ? wrapFields(
        [
          `samples/s ${Math.round(last.samplesPerSecond)}`,
          `ms/batch ${Number.isFinite(perBatch) ? (perBatch * 1000).toFixed(1) : '-'}`,
          `lr ${formatMetric(last.lr)}`,
          `loss ${formatMetric(last.loss)}`,
          `acc ${formatPercent(last.accuracy)}`,
          `rss ${formatBytes(last.rssBytes)}`,
          `tensors ${last.numTensors}`,
        ],
        columns,
      )
    : ['waiting for the first batch…'];
  return [header, epochLine, runLine, ...stats];
}

/** Joins fields with two spaces into as few lines of at most `columns` characters as possible. */
function wrapFields(fields: string[], columns: number): string[] {
  const lines: string[] = [];
  for (const f of fields) {
    const cur = lines.at(-1);
    if (cur !== undefined && cur.length + 2 + f.length <= columns) lines[lines.length - 1] = `${cur}  ${f}`;
    else lines.push(f);
  }
  return lines;
}

function chart(title: string, series: PlotSeries[], width: number, height: number, color: boolean): string[] {
  const legend = series.map((s) => paint(color, `── ${s.name}`, s.color)).join('  ');
  const lines = plotBraille(series, { width: Math.max(10, width - 10), height, color, labelWidth: 8 });
  return [padVisible(`${paint(color, title, 'bold')}  ${legend}`, width), ...lines.map((l) => padVisible(l, width))];
}

function histogramLines(info: RunInfo, columns: number, color: boolean): string[] {
  const counts = info.classHistogram;
  if (!counts.length) return [];
  const max = Math.max(...counts, 1);
  const nameWidth = Math.min(10, Math.max(...info.classes.map((c) => c.length), 1));
  const cellWidth = nameWidth + 1 + 12 + 1 + String(max).length + 3;
  const perRow = Math.max(1, Math.min(counts.length, Math.floor(columns / cellWidth)));
  const lines = [paint(color, 'class histogram (train)', 'bold')];
  for (let i = 0; i < counts.length; i += perRow) {
    const cells: string[] = [];
    for (let j = i; j < Math.min(i + perRow, counts.length); j++) {
      const name = (info.classes[j] ?? String(j)).slice(0, nameWidth).padStart(nameWidth);
      const bar = progressBar(counts[j]! / max, 12).replace(/░/g, ' ');
      cells.push(`${name} ${paint(color, bar, 'magenta')} ${String(counts[j]).padStart(String(max).length)}`);
    }
    lines.push(cells.join('   '));
  }
  return lines;
}

/**
 * The whole screen, at most `size.rows` lines of at most `size.columns` visible characters.
 * @param v - what has been reported
 * @param size - the terminal
 * @param color - use ANSI colours
 */
export function renderDashboard(v: DashboardView, size: ScreenSize, color: boolean): string {
  const columns = Math.max(40, size.columns);
  const rows = Math.max(12, size.rows);
  const top = progressLines(v, columns, color);
  const hist = histogramLines(v.info, columns, color);
  const footer = paint(color, v.status ?? 'press q or Ctrl-C to stop (a checkpoint is written first)', 'gray');
  const valLoss = v.epochs.map((e): [number, number] => [e.step, e.valLoss ?? NaN]);
  const epochLoss = v.epochs.map((e): [number, number] => [e.step, e.trainLoss]);
  const valAcc = v.epochs.map((e): [number, number] => [e.step, e.valAccuracy ?? NaN]);
  const lossSeries: PlotSeries[] = [
    { name: 'train (batch)', points: v.stepLoss, color: 'cyan' },
    { name: 'train (epoch)', points: epochLoss, color: 'green' },
    { name: 'val', points: valLoss, color: 'yellow' },
  ];
  const accSeries: PlotSeries[] = [
    { name: 'train (batch)', points: v.stepAccuracy, color: 'cyan' },
    { name: 'val', points: valAcc, color: 'yellow' },
  ];
  const sideBySide = columns >= 100;
  const fixed = top.length + 1 + hist.length + 1 + 1;
  const chartBlocks = sideBySide ? 1 : 2;
  // Each chart: title + height + x axis + x labels.
  const chartHeight = Math.max(2, Math.min(16, Math.floor((rows - fixed) / chartBlocks) - 3));
  const out = [...top, ''];
  if (sideBySide) {
    const w = Math.floor((columns - 2) / 2);
    const a = chart('loss', lossSeries, w, chartHeight, color);
    const b = chart('accuracy', accSeries, w, chartHeight, color);
    for (let i = 0; i < a.length; i++) out.push(`${a[i]}  ${b[i] ?? ''}`);
  } else {
    out.push(...chart('loss', lossSeries, columns, chartHeight, color));
    out.push(...chart('accuracy', accSeries, columns, chartHeight, color));
  }
  out.push(...hist, footer);
  return out.slice(0, rows).join('\n');
}
