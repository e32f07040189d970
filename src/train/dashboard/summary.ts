/** The closing lines of a run, shared by the TTY and plain reporters. */
import type { RunSummary } from './reporter.js';
import { formatDuration, formatMetric } from './format.js';

export function summaryLines(s: RunSummary): string[] {
  const lines = [`run ${s.stopReason}: ${s.epochsCompleted} epoch(s), ${s.steps} step(s) in ${formatDuration(s.seconds)}`];
  if (s.message) lines.push(s.message);
  if (s.best) lines.push(`best ${s.best.metric} ${formatMetric(s.best.value)} at epoch ${s.best.epoch}`);
  for (const [name, path] of Object.entries(s.outputs ?? {})) lines.push(`${name}: ${path}`);
  return lines;
}
