/** Moved to src/parity/random.ts; this re-export keeps old imports working. */
export * from '../../src/parity/random.js';
