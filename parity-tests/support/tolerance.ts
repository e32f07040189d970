/** Moved to src/parity/tolerance.ts (the parity policy is a library now); this re-export keeps old imports working. */
export * from '../../src/parity/tolerance.js';
