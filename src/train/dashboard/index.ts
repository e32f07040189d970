export type { TrainingReporter, RunInfo, BatchStats, EpochMetrics, RunSummary, StopReason } from './reporter.js';
export { createReporter, LOG_FORMATS, type LogFormat, type CreateReporterOptions } from './create-reporter.js';
export { TtyReporter, type TtyReporterOptions } from './tty-reporter.js';
export { PlainReporter, type PlainReporterOptions } from './plain-reporter.js';
export { JsonReporter, type JsonReporterOptions } from './json-reporter.js';
export { renderDashboard, type DashboardView, type ScreenSize } from './render.js';
export { RunView } from './run-view.js';
export { plotBraille, type PlotSeries } from './braille-plot.js';
