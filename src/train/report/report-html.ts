/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, no external URLs) with the run
 * summary, loss/accuracy curves, the confusion matrix, per-class precision/recall/F1, timings, the config and
 * the exported model's path. A pure function of ReportData.
 */
import type { ReportData } from './report-data.js';
import { CHART_CSS, escapeXml } from './svg.js';
import { accuracyChart, lossChart } from './curves.js';
import { confusionMatrixSvg } from './confusion-svg.js';

const fmt = (v: number | undefined, digits = 4) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

function duration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min ${s % 60} s` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

function perClassTable(d: ReportData): string {
  const { precision, recall, f1, support } = d.perClass;
  const rows = d.classes.map(
    (c, i) => `<tr><td>${escapeXml(c)}</td><td>${fmt(precision[i])}</td><td>${fmt(recall[i])}</td><td>${fmt(f1[i])}</td><td>${support[i] ?? 0}</td></tr>`,
  );
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  rows.push(`<tr class="total"><td>macro average</td><td>${fmt(mean(precision))}</td><td>${fmt(mean(recall))}</td><td>${fmt(mean(f1))}</td><td>${support.reduce((a, b) => a + b, 0)}</td></tr>`);
  return `<table><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function historyTable(d: ReportData): string {
  if (!d.history.length) return '<p>No epoch completed.</p>';
  const keys = [...new Set(d.history.flatMap((r) => Object.keys(r)))];
  const head = keys.map((k) => `<th>${escapeXml(k)}</th>`).join('');
  const body = d.history
    .map((r) => `<tr>${keys.map((k) => `<td>${Number.isInteger(r[k]) ? r[k] : fmt(r[k])}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** JSON with arrays of numbers and strings kept on one line. */
function compactJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\s*((?:"[^"\n]*"|-?[\d.e+-]+)(?:,\s*(?:"[^"\n]*"|-?[\d.e+-]+))*)\s*\]/g, (_m, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`);
}

/** @param d - the run's data */
export function renderReportHtml(d: ReportData): string {
  const last = d.history.at(-1);
  const totalEpochSeconds = d.history.reduce((a, r) => a + (r.epoch_seconds ?? 0), 0);
  const outputs = Object.entries(d.outputs)
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td><code>${escapeXml(v)}</code></td></tr>`)
    .join('');
  const correct = d.confusion.reduce((a, row, i) => a + (row[i] ?? 0), 0);
  const total = d.confusion.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>twinml run ${escapeXml(d.runName)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 24px auto; max-width: 1040px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.sub { color: #666; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
.card span { color: #666; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f6f6f6; } td:first-child, th:first-child { text-align: left; }
tr.total td { font-weight: 600; background: #fafafa; }
pre { background: #f6f6f6; padding: 10px; overflow: auto; font-size: 12px; border-radius: 4px; }
.stop { padding: 8px 12px; border-left: 4px solid #ff7f0e; background: #fff7ee; }
${CHART_CSS}
</style>
</head>
<body>
<h1>Run ${escapeXml(d.runName)}</h1>
<p class="sub">report made ${escapeXml(d.createdAt)} · ended: ${escapeXml(d.summary.stopReason)}</p>
${d.summary.message ? `<p class="stop">${escapeXml(d.summary.message)}</p>` : ''}
<div class="cards">
<div class="card"><b>${fmt(last?.val_accuracy)}</b><span>final val accuracy (last epoch)</span></div>
<div class="card"><b>${total ? fmt(correct / total) : '–'}</b><span>accuracy of the saved weights</span></div>
<div class="card"><b>${fmt(last?.val_loss)}</b><span>final val loss</span></div>
<div class="card"><b>${d.summary.epochsCompleted}</b><span>epochs</span></div>
<div class="card"><b>${d.summary.steps}</b><span>steps</span></div>
<div class="card"><b>${duration(d.summary.seconds)}</b><span>wall time</span></div>
</div>
<h2>Curves</h2>
<div class="charts">${lossChart(d.history)}${accuracyChart(d.history)}</div>
<h2>Confusion matrix and per-class metrics</h2>
<div class="charts">${confusionMatrixSvg(d.confusion, d.classes)}<div>${perClassTable(d)}</div></div>
<h2>Epochs</h2>
${historyTable(d)}
<h2>Timings</h2>
<table><tbody>
<tr><th>wall time of the run (this process)</th><td>${duration(d.summary.seconds)}</td></tr>
<tr><th>time in epochs (training + validation)</th><td>${duration(totalEpochSeconds)}</td></tr>
<tr><th>mean epoch</th><td>${d.history.length ? `${(totalEpochSeconds / d.history.length).toFixed(2)} s` : '–'}</td></tr>
<tr><th>mean throughput</th><td>${d.history.length ? `${Math.round(d.history.reduce((a, r) => a + (r.samples_per_sec ?? 0), 0) / d.history.length)} samples/s` : '–'}</td></tr>
</tbody></table>
<h2>Files</h2>
<table><tbody>${outputs}</tbody></table>
<h2>Config</h2>
<pre>${escapeXml(compactJson(d.config))}</pre>
</body>
</html>
`;
}
