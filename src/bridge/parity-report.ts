/** Moved to src/parity/report.ts (the parity report belongs to the parity library); re-exported for old imports. */
export * from '../parity/report.js';
