/** Moved to src/parity/reference.ts; this re-export keeps old imports working. */
export * from '../../src/parity/reference.js';
