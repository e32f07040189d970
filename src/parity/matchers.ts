/**
 * Vitest/Jest matchers for parity results (no test-framework import here: register them yourself):
 *
 * ```ts
 * import { expect } from 'vitest';
 * import { checkParity, parityMatchers } from 'twinml/parity';
 * expect.extend(parityMatchers);
 * expect(await checkParity({ ts: './net.ts#Net', torch: './net.py:Net', input: '2x1x28x28' })).toPassParity();
 * ```
 */
import type { ParityReport } from './report.js';
import type { ParityResult } from './pair/check-parity.js';

/** What a matcher returns (the shape vitest and jest expect). */
interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function reportOf(received: unknown): ParityReport {
  const r = received as Partial<ParityResult> & Partial<ParityReport>;
  if (r && typeof r === 'object' && r.report && Array.isArray(r.report.rows)) return r.report;
  if (r && typeof r === 'object' && Array.isArray(r.rows) && r.summary) return r as ParityReport;
  throw new Error('toPassParity: expected a checkParity() result or a ParityReport');
}

/** The matchers: `toPassParity()` (every row within the policy, at least one row). */
export const parityMatchers = {
  /** Passes when the report compared at least one tensor and every row is within tolerance; the message lists the failures and the first diverging module. */
  toPassParity(received: unknown): MatcherResult {
    const report = reportOf(received);
    const failed = report.rows.filter((r) => !r.pass);
    const first = report.localisations.find((l) => l.firstDivergingModule !== null)?.firstDivergingModule ?? null;
    const pass = report.rows.length > 0 && failed.length === 0;
    return {
      pass,
      message: () =>
        pass
          ? `expected parity to fail, but all ${report.rows.length} tensors are within tolerance`
          : report.rows.length === 0
            ? 'parity compared no tensors'
            : `${failed.length} of ${report.rows.length} tensors outside the parity tolerance${first ? `; first diverging module: ${first}` : ''}\n` +
              failed.slice(0, 20).map((r) => `  ${r.name} [${r.shape.join(',')}]: ${r.failure}`).join('\n'),
    };
  },
};

/** Type augmentation users can add: `interface Assertion<T> extends ParityMatchers {}` in their vitest.d.ts. */
export interface ParityMatchers<R = unknown> {
  toPassParity(): R;
}
