export { renderReportHtml } from './report-html.js';
export { renderCurvesSvg, lossChart, accuracyChart } from './curves.js';
export { confusionMatrixSvg } from './confusion-svg.js';
export { lineChartSvg, niceTicks, escapeXml, type ChartSeries, type LineChartOptions } from './svg.js';
export { writeReport } from './write-report.js';
export type { ReportData } from './report-data.js';
