/** Writes report.html and curves.svg into a run directory. */
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { ReportData } from './report-data.js';
import { renderReportHtml } from './report-html.js';
import { renderCurvesSvg } from './curves.js';

/**
 * @param runDir - the run directory
 * @param data - the run's data
 * @returns the written paths
 */
export function writeReport(runDir: string, data: ReportData): { report: string; curves: string } {
  const report = join(runDir, 'report.html');
  const curves = join(runDir, 'curves.svg');
  writeFileAtomic(report, renderReportHtml(data));
  writeFileAtomic(curves, renderCurvesSvg(data.history));
  return { report, curves };
}
