/**
 * The run report: numbers from a hand-checked confusion matrix, curves with one point per epoch, no external
 * resources; and report.html opened in headless Debian Chromium without console errors, with a screenshot
 * (needs /usr/bin/chromium: `bash scripts/install-test-tools.sh`, as root).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReportHtml } from '../../src/train/report/report-html.js';
import { renderCurvesSvg } from '../../src/train/report/curves.js';
import { writeReport } from '../../src/train/report/write-report.js';
import { niceTicks } from '../../src/train/report/svg.js';
import { perClassMetrics } from '../../src/train/metrics/classification.js';
import type { ReportData } from '../../src/train/report/report-data.js';

// rows = truth: cat 8 right, 2 as dog; dog 1 as cat, 5 right, 0 as bird; bird 0, 1 as dog, 3 right.
const CONFUSION = [[8, 2, 0], [1, 5, 0], [0, 1, 3]];
const HISTORY = [1, 2, 3].map((epoch) => ({ epoch, step: epoch * 10, train_loss: 1 / epoch, val_loss: 1.2 / epoch, val_accuracy: 0.5 + epoch / 10, train_accuracy: 0.4 + epoch / 10, lr: 0.01, samples_per_sec: 100 * epoch, epoch_seconds: 2 }));

function data(): ReportData {
  return {
    runName: 'mlp-<test>',
    createdAt: '2026-11-23T00:00:00Z',
    config: { model: 'mlp', lr: 0.01, note: '<script>alert(1)</script>' },
    history: HISTORY,
    classes: ['cat', 'dog', 'bird'],
    confusion: CONFUSION,
    perClass: perClassMetrics(CONFUSION),
    summary: { stopReason: 'completed', epochsCompleted: 3, steps: 30, seconds: 75 },
    outputs: { 'exported model': 'runs/x/model.onnx' },
  };
}

describe('report.html and curves.svg', () => {
  it('shows per-class precision/recall/F1 computed from the confusion matrix, the config, timings and the model path', () => {
    const html = renderReportHtml(data());
    // cat: precision 8/9, recall 8/10, F1 = 2PR/(P+R) = 16/19; bird: precision 3/3, recall 3/4, F1 6/7.
    expect(html).toContain(`<tr><td>cat</td><td>${(8 / 9).toFixed(4)}</td><td>0.8000</td><td>${(16 / 19).toFixed(4)}</td><td>10</td></tr>`);
    expect(html).toContain(`<tr><td>bird</td><td>1.0000</td><td>0.7500</td><td>${(6 / 7).toFixed(4)}</td><td>4</td></tr>`);
    expect(html).toContain('accuracy of the saved weights');
    expect(html).toContain(`<b>${(16 / 20).toFixed(4)}</b>`); // trace 16 of 20 samples
    expect(html).toContain('<code>runs/x/model.onnx</code>');
    expect(html).toContain('1 min 15 s');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
    expect(html).toContain('Run mlp-&lt;test&gt;');
    // Self-contained: no links, sources or imports anywhere (the SVG namespace is not a fetched resource).
    expect(html).not.toMatch(/(src|href)=|@import|url\(/);
    // Confusion cells carry the counts.
    expect(html).toContain('<title>true dog, predicted cat: 1</title>');
  });

  it('draws one marker per epoch on each curve', () => {
    const svg = renderCurvesSvg(HISTORY);
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4); // train/val loss, train/val accuracy
    expect(svg.match(/<circle /g)).toHaveLength(12);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('opens in headless Chromium without console errors and produces a screenshot', async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('Chromium is missing: run `bash scripts/install-test-tools.sh` (apt-get install chromium) first');
    const dir = mkdtempSync(join(tmpdir(), 'twinml-report-'));
    const { report } = writeReport(dir, data());
    // @ts-expect-error -- plain ESM script without types
    const { screenshotReport } = (await import('../../scripts/report-screenshot.mjs')) as { screenshotReport: (html: string, png: string) => Promise<{ problems: string[]; svgCount: number; text: string }> };
    const png = join(dir, 'report.png');
    const { problems, svgCount, text } = await screenshotReport(report, png);
    expect(problems).toEqual([]);
    expect(svgCount).toBe(3);
    expect(text).toContain('macro average');
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(20_000);
  });
});
