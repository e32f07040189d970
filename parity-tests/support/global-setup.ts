/**
 * Global setup of `twinml parity` (parity-tests/vitest.config.ts): gives the suites a folder for their rows,
 * then assembles parity-report.json (path: TWINML_PARITY_REPORT, default ./parity-report.json) and prints the
 * table and the worst ratio to PyTorch's own float32 error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildReport, formatReport, readCollected, writeReport } from '../../src/parity/report.js';
import { findPython } from '../../src/bridge/find-python.js';

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'twinml-parity-rows-'));
  project.provide('parityRowsDir', dir);
  const discovery = findPython();
  project.provide('parityPython', { executable: discovery.chosen?.executable ?? discovery.chosen?.candidate, advice: discovery.advice });
  return () => {
    const report = buildReport(readCollected(dir));
    rmSync(dir, { recursive: true, force: true });
    if (report.rows.length === 0) return;
    const path = resolve(process.env.TWINML_PARITY_REPORT ?? 'parity-report.json');
    writeReport(path, report);
    const failuresOnly = process.env.TWINML_PARITY_TABLE === 'failures';
    console.log(`\n${formatReport(report, { failuresOnly })}\nparity report: ${path}`);
  };
}
