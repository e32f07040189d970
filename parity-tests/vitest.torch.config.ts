/**
 * `npm run parity:torch`: the parity suites on the `torch` backend (needs `npm run setup:torch`). The suites read
 * the backend from the provided `parityBackend` (parity-tests/support/session.ts); the default config runs cpu.
 */
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(base, defineConfig({ test: { provide: { parityBackend: 'torch' } } }));
